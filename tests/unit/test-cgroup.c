/* SPDX-License-Identifier: MIT */
#include "tap.h"
#include "cgroup.h"

#include <errno.h>
#include "util.h"

/* expect: the path cgroupsPath names, or NULL when it must be refused. */
static void check_path(const char *cgroups_path, const char *expect, bool expect_relative)
{
        _cleanup_free_ char *out = NULL;
        bool relative = false;
        int r = cgroup_expected_path(cgroups_path, &out, &relative);

        if (!expect) {
                ok(r == -EINVAL, "\"%s\" refused", cgroups_path);
                return;
        }
        is_str(out, expect, "\"%s\" names %s", cgroups_path, expect);
        ok(r == 0 && relative == expect_relative, "\"%s\": %s", cgroups_path, expect_relative ? "relative" : "absolute");
}

static void test_expected_path(void)
{
        _cleanup_free_ char *none = NULL;
        bool relative = true;

        ok(cgroup_expected_path("", &none, &relative) == 0 && !none && !relative, "empty: none, the kernel decides");
        check_path("/docker/abc", "/docker/abc", false);
        check_path("docker/abc", "/docker/abc", true);
        check_path("system.slice:docker:abc", "/system.slice/docker-abc.scope", false);
        check_path("user-1000.slice:podman:x", "/user.slice/user-1000.slice/podman-x.scope", false);
        check_path(":docker:abc", "/system.slice/docker-abc.scope", false);
        check_path("machine.slice::abc", "/machine.slice/abc.scope", false);
        check_path("-.slice:p:n", "/p-n.scope", false);
        check_path("a.slice:p:b.slice", "/a.slice/b.slice", false);
        check_path("/docker/../abc", NULL, false);
        check_path("/docker//abc", NULL, false);
        check_path("docker/", NULL, false);
        check_path("a:b", NULL, false);
        check_path("a.slice:b:c:d", NULL, false);
        check_path("notaslice:p:n", NULL, false);
        check_path("system.slice:p:../x", NULL, false);
        check_path("system.slice:p:", NULL, false);
}

static void test_child_names(void)
{
        ok(cgroup_child_name_ok("payload"), "payload");
        ok(cgroup_child_name_ok("ctr-1_a.b@c"), "letters, digits, -_.@");
        ok(!cgroup_child_name_ok(""), "empty refused");
        ok(!cgroup_child_name_ok("."), ". refused");
        ok(!cgroup_child_name_ok(".."), ".. refused");
        ok(!cgroup_child_name_ok("a/b"), "slash refused");
        ok(!cgroup_child_name_ok("cgroup.procs"), "a kernel file's name refused");
        ok(!cgroup_child_name_ok("a b"), "space refused");
        ok(!cgroup_child_name_ok("0123456789012345678901234567890123456789012345678901234567890123456789"),
           "over 64 characters refused");
}

int main(void)
{
        test_expected_path();
        test_child_names();
        return tap_done();
}

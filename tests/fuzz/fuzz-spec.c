/* SPDX-License-Identifier: MIT */
/* The bundle's config.json: what the plan reads from it, with root.path made absolute. */
#include <stdlib.h>

#include "fuzz.h"
#include "spec.h"

const char fuzz_name[] = "spec";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct error e = { 0 };
        struct spec s;

        if (size > SPEC_MAX_BYTES)
                return -1;
        if (spec_parse((const char *)data, size, "config.json", "/run/bundle", &s, &e) == 0) {
                (void)spec_mounts_at(&s, "/tmp");
                spec_free(&s);
        }
        return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * A runtime that exits at once (linked statically), so that timing the wrapper's
 * `create` through it measures the wrapper's own cost. Also the /sbin/init of the
 * trivial container that `bench runc` runs.
 */
int main(void)
{
        return 0;
}

/* SPDX-License-Identifier: MIT */
/* The plan parser: libconfig text -> struct plan, with every check plan_load makes. */
#include <stdlib.h>

#include "fuzz.h"
#include "plan.h"

FUZZ_LSAN_SUPPRESSIONS

const char fuzz_name[] = "plan";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct diag d = { 0 };
        struct plan p;
        char *text;

        if (size > PLAN_MAX_BYTES)
                return -1;
        text = fuzz_strndup(data, size);
        (void)plan_load_string(text, size, "fuzz.conf", &p, &d);
        plan_free(&p);
        diag_free(&d);
        free(text);
        return 0;
}

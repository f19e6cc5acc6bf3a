/* SPDX-License-Identifier: MIT */
/* The OCI state a runtime writes to the hook's stdin. */
#include <stdlib.h>

#include "fuzz.h"
#include "state.h"

const char fuzz_name[] = "state";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct error e = { 0 };
        struct state s;

        if (size > STATE_MAX_BYTES)
                return -1;
        /* main() hands state_parse a NUL-terminated buffer; a bare one finds overreads. */
        if (state_parse((const char *)data, size, "stdin", &s, &e) == 0)
                state_free(&s);
        return 0;
}

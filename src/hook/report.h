/* SPDX-License-Identifier: MIT */
#pragma once

/* Renders a resolution for --dry-run: text for people, JSON for tools. */

#include <stdio.h>

#include "resolve.h"

void report_text(FILE *f, const struct resolution *r);
int report_json(FILE *f, const struct resolution *r);

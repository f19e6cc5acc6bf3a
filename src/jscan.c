/* SPDX-License-Identifier: MIT */
/*
 * The JSON scanner (see jscan.h). Its grammar is jansson 2.14's load.c, as strict
 * or stricter: whitespace is space, tab, CR, LF; strings are valid UTF-8 (no
 * overlong forms, surrogates or code points above U+10FFFF), no control
 * characters, the escapes \" \\ \/ \b \f \n \r \t \uXXXX with \u0000 refused and
 * surrogates only in pairs; numbers -?(0|[1-9][0-9]*)(.[0-9]+)?, no leading zeros
 * (an exponent, or an integer that might not fit in 64 bits, is "not sure");
 * true, false, null; no trailing commas; nothing but whitespace after the top
 * object; no key twice in an object.
 */
#include "jscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct scanner {
        const unsigned char *p;
        size_t len, pos;
        int depth;
        char *out;              /* filtering: the kept text so far, else NULL */
        size_t out_len;
};

static bool at(const struct scanner *s, char c)
{
        return s->pos < s->len && s->p[s->pos] == c;
}

static void skip_ws(struct scanner *s)
{
        while (s->pos < s->len) {
                unsigned char c = s->p[s->pos];

                if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                        break;
                s->pos++;
        }
}

static void emit(struct scanner *s, const void *text, size_t n)
{
        memcpy(s->out + s->out_len, text, n);
        s->out_len += n;
}

/* The length of the UTF-8 sequence at p (0 if invalid), by jansson's utf8_check_first/full. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
        uint32_t cp;
        size_t n;

        if (p[0] < 0xC2 || p[0] > 0xF4)
                return 0;
        n = p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
        if ((size_t)(end - p) < n)
                return 0;
        cp = p[0] & (0x7F >> n);
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return n;
}

static bool hex4(const unsigned char *p, const unsigned char *end, uint32_t *out)
{
        uint32_t v = 0;

        if (end - p < 4)
                return false;
        for (int i = 0; i < 4; i++) {
                unsigned char c = p[i];

                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (uint32_t)(c - '0');
                else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                        v |= (uint32_t)((c | 0x20) - 'a' + 10);
                else
                        return false;
        }
        *out = v;
        return true;
}

/* \uXXXX at p (after the backslash and 'u'), with its low surrogate: bytes used, 0 if refused. */
static size_t unicode_escape(const unsigned char *p, const unsigned char *end)
{
        uint32_t hi, lo;

        if (!hex4(p, end, &hi) || hi == 0 || (hi >= 0xDC00 && hi <= 0xDFFF))
                return 0;
        if (hi < 0xD800 || hi > 0xDBFF)
                return 4;
        if (end - p < 10 || p[4] != '\\' || p[5] != 'u' || !hex4(p + 6, end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                return 0;
        return 10;
}

/* A string at s->pos (its '"'); *escaped says whether it had a backslash. */
static bool scan_string(struct scanner *s, bool *escaped)
{
        const unsigned char *p = s->p, *end = s->p + s->len;
        size_t i = s->pos + 1;

        *escaped = false;
        while (i < s->len) {
                unsigned char c = p[i];
                size_t n;

                if (c == '"') {
                        s->pos = i + 1;
                        return true;
                }
                if (c < 0x20)
                        return false;
                if (c < 0x80 && c != '\\') {
                        i++;
                        continue;
                }
                if (c >= 0x80) {
                        if (!(n = utf8_len(p + i, end)))
                                return false;
                        i += n;
                        continue;
                }
                *escaped = true;
                if (i + 1 >= s->len)
                        return false;
                c = p[i + 1];
                if (c == 'u') {
                        if (!(n = unicode_escape(p + i + 2, end)))
                                return false;
                        i += 2 + n;
                } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
                           c == 't') {
                        i += 2;
                } else {
                        return false;
                }
        }
        return false;
}

static size_t digits(const struct scanner *s, size_t i)
{
        size_t start = i;

        while (i < s->len && s->p[i] >= '0' && s->p[i] <= '9')
                i++;
        return i - start;
}

static bool scan_number(struct scanner *s)
{
        size_t i = s->pos + at(s, '-'), n = digits(s, i), frac = 0;

        if (n == 0 || (s->p[i] == '0' && n > 1))
                return false;
        i += n;
        if (i < s->len && s->p[i] == '.') {
                frac = digits(s, i + 1);
                if (frac == 0)
                        return false;
                i += 1 + frac;
        }
        /* jansson refuses an integer beyond int64 and a real that overflows a double. */
        if (i < s->len && (s->p[i] == 'e' || s->p[i] == 'E'))
                return false;
        if ((frac == 0 && n > 18) || n + frac > 300)
                return false;
        s->pos = i;
        return true;
}

static bool scan_literal(struct scanner *s, const char *word)
{
        size_t n = strlen(word);

        if (s->len - s->pos < n || memcmp(s->p + s->pos, word, n) != 0)
                return false;
        s->pos += n;
        return true;
}

static bool scan_object(struct scanner *s, const struct jscan_keep *keep);

static bool scan_array(struct scanner *s, const struct jscan_keep *keep);

static bool scan_value(struct scanner *s)
{
        bool escaped;

        if (s->pos >= s->len)
                return false;
        switch (s->p[s->pos]) {
        case '{':
                return scan_object(s, NULL);
        case '[':
                return scan_array(s, NULL);
        case '"':
                return scan_string(s, &escaped);
        case 't':
                return scan_literal(s, "true");
        case 'f':
                return scan_literal(s, "false");
        case 'n':
                return scan_literal(s, "null");
        default:
                return scan_number(s);
        }
}

/* A kept value: an object filtered by keep, any other value as written. */
static bool scan_kept(struct scanner *s, const struct jscan_keep *keep)
{
        size_t start = s->pos;

        if (keep && at(s, '{'))
                return scan_object(s, keep);
        if (keep && at(s, '['))
                return scan_array(s, keep);
        if (!scan_value(s))
                return false;
        emit(s, s->p + start, s->pos - start);
        return true;
}

/* An array at s->pos; with keep (only when filtering), each element is kept by scan_kept(). */
static bool scan_array(struct scanner *s, const struct jscan_keep *keep)
{
        if (++s->depth > JSCAN_MAX_DEPTH)
                return false;
        if (keep)
                emit(s, "[", 1);
        s->pos++;
        skip_ws(s);
        if (at(s, ']')) {
                s->pos++;
                s->depth--;
                if (keep)
                        emit(s, "]", 1);
                return true;
        }
        for (;;) {
                if (!(keep ? scan_kept(s, keep) : scan_value(s)))
                        return false;
                skip_ws(s);
                if (at(s, ']'))
                        break;
                if (!at(s, ','))
                        return false;
                if (keep)
                        emit(s, ",", 1);
                s->pos++;
                skip_ws(s);
        }
        s->pos++;
        s->depth--;
        if (keep)
                emit(s, "]", 1);
        return true;
}

static const struct jscan_keep *find_keep(const struct jscan_keep *keep, const unsigned char *name, size_t n)
{
        for (; keep && keep->name; keep++)
                if (strlen(keep->name) == n && memcmp(keep->name, name, n) == 0)
                        return keep;
        return NULL;
}

/*
 * An object at s->pos. With keep (only when filtering), the kept members are
 * copied to s->out: a value with a members table by scan_kept(), any other value
 * as written.
 */
static bool scan_object(struct scanner *s, const struct jscan_keep *keep)
{
        struct jscan_span keys[JSCAN_MAX_KEYS];
        size_t n_keys = 0;
        bool first = true;

        if (++s->depth > JSCAN_MAX_DEPTH)
                return false;
        if (keep)
                emit(s, "{", 1);
        s->pos++;
        skip_ws(s);
        if (!at(s, '}')) {
                for (;;) {
                        const struct jscan_keep *k;
                        size_t kstart = s->pos;
                        bool escaped;

                        /* A key with escapes could equal another written plainly: jansson decides. */
                        if (!at(s, '"') || !scan_string(s, &escaped) || escaped || n_keys == JSCAN_MAX_KEYS)
                                return false;
                        for (size_t i = 0; i < n_keys; i++)
                                if (keys[i].end - keys[i].start == s->pos - kstart &&
                                    memcmp(s->p + keys[i].start, s->p + kstart, s->pos - kstart) == 0)
                                        return false;
                        keys[n_keys++] = (struct jscan_span){ kstart, s->pos };
                        k = keep ? find_keep(keep, s->p + kstart + 1, s->pos - kstart - 2) : NULL;
                        skip_ws(s);
                        if (!at(s, ':'))
                                return false;
                        s->pos++;
                        skip_ws(s);
                        if (k) {
                                if (!first)
                                        emit(s, ",", 1);
                                first = false;
                                emit(s, s->p + kstart, s->pos - kstart);        /* "key": and whitespace */
                        }
                        if (!(k ? scan_kept(s, k->members) : scan_value(s)))
                                return false;
                        skip_ws(s);
                        if (at(s, '}'))
                                break;
                        if (!at(s, ','))
                                return false;
                        s->pos++;
                        skip_ws(s);
                }
        }
        s->pos++;
        s->depth--;
        if (keep)
                emit(s, "}", 1);
        return true;
}

/* The top object, with nothing but whitespace around it. */
static bool scan_document(struct scanner *s, const struct jscan_keep *keep, struct jscan_span *obj)
{
        size_t start;

        skip_ws(s);
        start = s->pos;
        if (!at(s, '{') || !scan_object(s, keep))
                return false;
        if (obj)
                *obj = (struct jscan_span){ start, s->pos };
        skip_ws(s);
        return s->pos == s->len;
}

bool jscan_valid_object(const char *buf, size_t len, struct jscan_span *obj)
{
        struct scanner s = { .p = (const unsigned char *)buf, .len = len };

        return scan_document(&s, NULL, obj);
}

bool jscan_filter(const char *buf, size_t len, const struct jscan_keep *keep, char **out, size_t *out_len)
{
        static const struct jscan_keep none[] = { { NULL, NULL } };
        /* Each byte out is a distinct byte in, plus "{}" for an empty keep. */
        struct scanner s = { .p = (const unsigned char *)buf, .len = len, .out = xmalloc(len + 3) };

        if (!scan_document(&s, keep ? keep : none, NULL)) {
                free(s.out);
                return false;
        }
        s.out[s.out_len] = '\0';
        *out = s.out;
        *out_len = s.out_len;
        return true;
}

bool jscan_member(const char *buf, size_t len, size_t obj, const char *key, struct jscan_span *value)
{
        struct scanner s = { .p = (const unsigned char *)buf, .len = len, .pos = obj + 1 };
        size_t n = strlen(key);

        skip_ws(&s);
        while (at(&s, '"')) {
                size_t kstart = s.pos;
                bool escaped, match;

                if (!scan_string(&s, &escaped))
                        return false;
                match = s.pos - kstart == n + 2 && memcmp(buf + kstart + 1, key, n) == 0;
                skip_ws(&s);
                s.pos++;                /* ':' */
                skip_ws(&s);
                value->start = s.pos;
                if (!scan_value(&s))
                        return false;
                value->end = s.pos;
                if (match)
                        return true;
                skip_ws(&s);
                if (!at(&s, ','))
                        return false;
                s.pos++;
                skip_ws(&s);
        }
        return false;
}

bool jscan_is_empty(const char *buf, size_t len, size_t start)
{
        struct scanner s = { .p = (const unsigned char *)buf, .len = len, .pos = start + 1 };

        skip_ws(&s);
        return at(&s, '}') || at(&s, ']');
}

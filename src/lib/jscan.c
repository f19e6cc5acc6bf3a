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
};

/* Bytes that stand for themselves inside a string: printable ASCII but '"' and '\\'. */
static const bool plain[256] = {
        [0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7e] = true,
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
                unsigned char c;
                size_t n;

                while (i + 4 <= s->len && plain[p[i]] && plain[p[i + 1]] && plain[p[i + 2]] && plain[p[i + 3]])
                        i += 4;
                while (i < s->len && plain[p[i]])
                        i++;
                if (i >= s->len)
                        break;
                c = p[i];
                if (c == '"') {
                        s->pos = i + 1;
                        return true;
                }
                if (c < 0x20 || c == 0x7f) {
                        if (c < 0x20)
                                return false;
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

/*
 * Scanning and building are one pass: a function given a json_t to fill (obj,
 * arr) also builds, the others only check. keep: build only these members of an
 * object (or of each object in an array); NULL with a json_t: build everything.
 */
static bool scan_object(struct scanner *s, const struct jscan_keep *keep, json_t *obj);

static bool scan_array(struct scanner *s, const struct jscan_keep *keep, json_t *arr);

static bool scan_value(struct scanner *s)
{
        bool escaped;

        if (s->pos >= s->len)
                return false;
        switch (s->p[s->pos]) {
        case '{':
                return scan_object(s, NULL, NULL);
        case '[':
                return scan_array(s, NULL, NULL);
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

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *o, uint32_t cp)
{
        if (cp < 0x80) {
                o[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                o[0] = (char)(0xC0 | (cp >> 6));
                o[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                o[0] = (char)(0xE0 | (cp >> 12));
                o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

/* The text of a checked string with escapes, decoded as jansson decodes it. */
static json_t *unescaped_string(const unsigned char *p, size_t n)
{
        _cleanup_free_ char *buf = xmalloc(n + 1);
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                uint32_t cp, lo;

                if (p[i] != '\\') {
                        buf[o++] = (char)p[i];
                        continue;
                }
                switch (p[++i]) {
                case 'b': buf[o++] = '\b'; break;
                case 'f': buf[o++] = '\f'; break;
                case 'n': buf[o++] = '\n'; break;
                case 'r': buf[o++] = '\r'; break;
                case 't': buf[o++] = '\t'; break;
                case 'u':
                        hex4(p + i + 1, p + n, &cp);
                        i += 4;
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                                hex4(p + i + 3, p + n, &lo);
                                i += 6;
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        }
                        o += put_utf8(buf + o, cp);
                        break;
                default:        /* '"', '\\', '/' */
                        buf[o++] = (char)p[i];
                        break;
                }
        }
        return json_stringn_nocheck(buf, o);
}

/* A number's value as jansson makes it: json_integer (strtoll) or json_real (strtod). */
static json_t *number_value(const unsigned char *p, size_t n)
{
        char text[320];         /* scan_number() allows 300 digits */

        memcpy(text, p, n);
        text[n] = '\0';
        if (memchr(text, '.', n))
                return json_real(strtod(text, NULL));
        return json_integer((json_int_t)strtoll(text, NULL, 10));
}

/* Checks the value at s->pos and builds it (keep: see above); NULL if refused. */
static json_t *build_value(struct scanner *s, const struct jscan_keep *keep)
{
        size_t start = s->pos;
        bool escaped;
        json_t *j;

        if (s->pos >= s->len)
                return NULL;
        switch (s->p[s->pos]) {
        case '{':
        case '[':
                j = s->p[s->pos] == '{' ? json_object() : json_array();
                if (!(s->p[s->pos] == '{' ? scan_object(s, keep, j) : scan_array(s, keep, j))) {
                        json_decref(j);
                        return NULL;
                }
                return j;
        case '"':
                if (!scan_string(s, &escaped))
                        return NULL;
                if (escaped)
                        return unescaped_string(s->p + start + 1, s->pos - start - 2);
                return json_stringn_nocheck((const char *)s->p + start + 1, s->pos - start - 2);
        case 't':
                return scan_literal(s, "true") ? json_true() : NULL;
        case 'f':
                return scan_literal(s, "false") ? json_false() : NULL;
        case 'n':
                return scan_literal(s, "null") ? json_null() : NULL;
        default:
                return scan_number(s) ? number_value(s->p + start, s->pos - start) : NULL;
        }
}

/* After an array element or object member: 1 at the closing bracket, 0 past a comma, -1 on junk. */
static int next_element(struct scanner *s, char close)
{
        skip_ws(s);
        if (at(s, close))
                return 1;
        if (!at(s, ','))
                return -1;
        s->pos++;
        skip_ws(s);
        return 0;
}

/* Past the closing bracket of an array or object. */
static bool close_container(struct scanner *s)
{
        s->pos++;
        s->depth--;
        return true;
}

static bool scan_array(struct scanner *s, const struct jscan_keep *keep, json_t *arr)
{
        int r = 0;

        if (++s->depth > JSCAN_MAX_DEPTH)
                return false;
        s->pos++;
        skip_ws(s);
        if (at(s, ']'))
                return close_container(s);
        while (r == 0) {
                if (arr) {
                        json_t *v = build_value(s, keep);

                        if (!v || json_array_append_new(arr, v) < 0)
                                return false;
                } else if (!scan_value(s)) {
                        return false;
                }
                r = next_element(s, ']');
        }
        return r > 0 && close_container(s);
}

static const struct jscan_keep *find_keep(const struct jscan_keep *keep, const unsigned char *name, size_t n)
{
        for (; keep && keep->name; keep++)
                if (strlen(keep->name) == n && memcmp(keep->name, name, n) == 0)
                        return keep;
        return NULL;
}

/* One member's value: built into obj if it is kept, else only checked. */
static bool scan_member(struct scanner *s, const struct jscan_keep *keep, json_t *obj, struct jscan_span key)
{
        const unsigned char *name = s->p + key.start + 1;
        size_t n = key.end - key.start - 2;
        const struct jscan_keep *k = NULL;
        json_t *v;

        if (!obj || (keep && !(k = find_keep(keep, name, n))))
                return scan_value(s);
        v = build_value(s, k ? k->members : NULL);
        return v && json_object_setn_new_nocheck(obj, (const char *)name, n, v) == 0;
}

static bool scan_object(struct scanner *s, const struct jscan_keep *keep, json_t *obj)
{
        struct jscan_span keys[JSCAN_MAX_KEYS];
        size_t n_keys = 0;

        if (++s->depth > JSCAN_MAX_DEPTH)
                return false;
        s->pos++;
        skip_ws(s);
        if (at(s, '}'))
                return close_container(s);
        for (int r = 0; r == 0; ) {
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
                skip_ws(s);
                if (!at(s, ':'))
                        return false;
                s->pos++;
                skip_ws(s);
                if (!scan_member(s, keep, obj, keys[n_keys - 1]))
                        return false;
                if ((r = next_element(s, '}')) < 0)
                        return false;
        }
        return close_container(s);
}

/* The top object, with nothing but whitespace around it. */
static bool scan_document(struct scanner *s, const struct jscan_keep *keep, json_t *obj, struct jscan_span *span)
{
        size_t start;

        skip_ws(s);
        start = s->pos;
        if (!at(s, '{') || !scan_object(s, keep, obj))
                return false;
        if (span)
                *span = (struct jscan_span){ start, s->pos };
        skip_ws(s);
        return s->pos == s->len;
}

bool jscan_valid_object(const char *buf, size_t len, struct jscan_span *obj)
{
        struct scanner s = { .p = (const unsigned char *)buf, .len = len };

        return scan_document(&s, NULL, NULL, obj);
}

json_t *jscan_extract(const char *buf, size_t len, const struct jscan_keep *keep)
{
        static const struct jscan_keep none[] = { { NULL, NULL } };
        struct scanner s = { .p = (const unsigned char *)buf, .len = len };
        json_t *obj = json_object();

        if (!scan_document(&s, keep ? keep : none, obj, NULL)) {
                json_decref(obj);
                return NULL;
        }
        return obj;
}

/*
 * Skips the value at s->pos in a text already checked: strings and brackets only,
 * several times faster than checking again.
 */
static void skip_checked(struct scanner *s)
{
        int depth = 0;

        do {
                unsigned char c = s->p[s->pos++];

                if (c == '"') {
                        while (s->p[s->pos] != '"')
                                s->pos += s->p[s->pos] == '\\' ? 2 : 1;
                        s->pos++;
                } else if (c == '{' || c == '[') {
                        depth++;
                } else if (c == '}' || c == ']') {
                        depth--;
                } else if (depth == 0) {
                        /* a number or a literal: up to the next delimiter */
                        while (s->pos < s->len && !strchr(",}] \t\r\n", s->p[s->pos]))
                                s->pos++;
                }
        } while (depth > 0);
}

bool jscan_member(const char *buf, size_t len, size_t obj, const char *key, struct jscan_span *value)
{
        struct scanner s = { .p = (const unsigned char *)buf, .len = len, .pos = obj + 1 };
        size_t n = strlen(key);

        skip_ws(&s);
        while (at(&s, '"')) {
                size_t kstart = s.pos;
                bool match;

                skip_checked(&s);
                match = s.pos - kstart == n + 2 && memcmp(buf + kstart + 1, key, n) == 0;
                skip_ws(&s);
                s.pos++;                /* ':' */
                skip_ws(&s);
                value->start = s.pos;
                skip_checked(&s);
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

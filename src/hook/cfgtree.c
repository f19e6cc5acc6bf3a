/* SPDX-License-Identifier: MIT */
#include "cfgtree.h"

#include <errno.h>
#include <libconfig.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Nodes and strings come from a few blocks, freed together. */
struct cfg_block {
        struct cfg_block *next;
        size_t used, size;
        _Alignas(16) char data[];
};

static void *doc_alloc(struct cfg_doc *doc, size_t n)
{
        struct cfg_block *b = doc->blocks;

        n = (n + 15) & ~(size_t)15;
        if (!b || b->size - b->used < n) {
                size_t size = n > 8192 ? n : 8192;

                if (b && size < 2 * b->size)
                        size = 2 * b->size;
                b = xmalloc(sizeof(*b) + size);
                b->next = doc->blocks;
                b->used = 0;
                b->size = size;
                doc->blocks = b;
        }
        b->used += n;
        return b->data + b->used - n;
}

static struct cfg *new_node(struct cfg_doc *doc, struct cfg *parent, struct cfg **last)
{
        struct cfg *c = doc_alloc(doc, sizeof(*c));

        memset(c, 0, sizeof(*c));
        if (*last)
                (*last)->next = c;
        else
                parent->first = c;
        *last = c;
        parent->n++;
        return c;
}

static const char *doc_strndup(struct cfg_doc *doc, const char *s, size_t n)
{
        char *d = doc_alloc(doc, n + 1);

        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

void cfg_doc_free(struct cfg_doc *doc)
{
        while (doc->blocks) {
                struct cfg_block *b = doc->blocks;

                doc->blocks = b->next;
                free(b);
        }
        memset(doc, 0, sizeof(*doc));
}

const struct cfg *cfg_member(const struct cfg *group, const char *name)
{
        for (const struct cfg *c = group->first; c; c = c->next)
                if (c->name && strcmp(c->name, name) == 0)
                        return c;
        return NULL;
}

/*
 * The fast reader. Its tokens are libconfig's (scanner.l) where it reads them;
 * for anything else it gives up (DECLINE) and libconfig reads the text instead.
 */
enum tok {
        T_EOF, T_NAME, T_BOOL, T_INT, T_STRING, T_EQUALS, T_COMMA, T_SEMICOLON,
        T_GROUP_START, T_GROUP_END, T_ARRAY_START, T_ARRAY_END, T_LIST_START, T_LIST_END,
        T_DECLINE,
};

#define MAX_DEPTH 32

struct reader {
        struct cfg_doc *doc;
        const char *p, *end;
        int line;                 /* libconfig's yylineno once the current token is read */
        enum tok tok;
        const char *text;         /* T_NAME: the name, T_STRING: the unescaped value */
        size_t len;
        long long ival;           /* T_BOOL, T_INT */
        int depth;
};

/* Byte classes, one table lookup per byte: the shipped plan is 6 KB read on every run. */
enum {
        C_BLANK = 1,              /* space, tab, \r, \f (\n is counted apart) */
        C_NAME_START = 2,         /* [A-Za-z*] */
        C_NAME = 4,               /* [-A-Za-z0-9_*] */
};

static const unsigned char byte_class[256] = {
        [' '] = C_BLANK, ['\t'] = C_BLANK, ['\r'] = C_BLANK, ['\f'] = C_BLANK,
        ['*'] = C_NAME_START | C_NAME, ['-'] = C_NAME, ['_'] = C_NAME,
        ['0' ... '9'] = C_NAME,
        ['A' ... 'Z'] = C_NAME_START | C_NAME,
        ['a' ... 'z'] = C_NAME_START | C_NAME,
};

static bool is_name_start(char c)
{
        return byte_class[(unsigned char)c] & C_NAME_START;
}

static bool is_name_char(char c)
{
        return byte_class[(unsigned char)c] & C_NAME;
}

/* Whitespace and comments; false on an unterminated block comment. */
static bool skip_blank(struct reader *r)
{
        while (r->p < r->end) {
                char c = *r->p;

                if (c == '\n') {
                        r->line++;
                        r->p++;
                } else if (byte_class[(unsigned char)c] & C_BLANK) {
                        r->p++;
                } else if (c == '#' || (c == '/' && r->p + 1 < r->end && r->p[1] == '/')) {
                        const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));

                        if (!nl)
                                return false;   /* libconfig's comment is "#.*$": without a newline, garbage */
                        r->p = nl;
                } else if (c == '/' && r->p + 1 < r->end && r->p[1] == '*') {
                        const char *close = strstr(r->p + 2, "*/");

                        if (!close)
                                return false;
                        for (const char *q = r->p; q < close; q++)
                                r->line += *q == '\n';
                        r->p = close + 2;
                } else
                        break;
        }
        return true;
}

/* A string token with the escapes plans use; anything else is left to libconfig. */
static enum tok scan_string(struct reader *r)
{
        const char *q = r->p + 1, *close = q;
        char *out, *o;

        /* Where it ends, escapes skipped: the value is at most that long. */
        for (;;) {
                close += strcspn(close, "\"\\\n");
                if (close >= r->end || *close != '\\')
                        break;
                close += close + 1 < r->end ? 2 : 1;
        }
        if (close >= r->end || *close != '"')
                return T_DECLINE;       /* unterminated; or a newline, which libconfig counts */
        out = o = doc_alloc(r->doc, (size_t)(close - q) + 1);
        for (;;) {
                /* The text holds no NUL (plan.c refuses one), so strcspn stops at its end. */
                size_t n = strcspn(q, "\"\\\n");

                memcpy(o, q, n);
                o += n;
                q += n;
                if (q >= r->end || *q == '\n')
                        return T_DECLINE;       /* unterminated; or a newline, which libconfig counts */
                if (*q == '"')
                        break;
                switch (q[1]) {
                case 'n': *o++ = '\n'; break;
                case 't': *o++ = '\t'; break;
                case 'r': *o++ = '\r'; break;
                case 'f': *o++ = '\f'; break;
                case '\\': *o++ = '\\'; break;
                case '"': *o++ = '"'; break;
                default: return T_DECLINE;      /* \x.. and a lone backslash */
                }
                q += 2;
        }
        *o = '\0';
        r->text = out;
        r->len = (size_t)(o - out);
        r->p = q + 1;
        return T_STRING;
}

/* [-+]?(0|[1-9][0-9]{0,8}) followed by a delimiter: within int's range, as libconfig reads it. */
static enum tok scan_int(struct reader *r)
{
        const char *q = r->p;
        bool neg = *q == '-';
        long long v = 0;
        int digits = 0;

        if (*q == '-' || *q == '+')
                q++;
        for (; q < r->end && *q >= '0' && *q <= '9' && digits <= 9; q++, digits++)
                v = v * 10 + (*q - '0');
        if (digits == 0 || digits > 9 || (digits > 1 && q[-digits] == '0'))
                return T_DECLINE;
        if (q < r->end && !strchr(" \t\r\n,;)]}#/", *q))
                return T_DECLINE;       /* 1.5, 1e3, 10L, 0x1f, ... */
        r->ival = neg ? -v : v;
        r->p = q;
        return T_INT;
}

static enum tok scan_word(struct reader *r)
{
        const char *q = r->p;

        while (q < r->end && is_name_char(*q))
                q++;
        r->text = r->p;
        r->len = (size_t)(q - r->p);
        r->p = q;
        if (r->len == 4 && strncasecmp(r->text, "true", 4) == 0) {
                r->ival = 1;
                return T_BOOL;
        }
        if (r->len == 5 && strncasecmp(r->text, "false", 5) == 0) {
                r->ival = 0;
                return T_BOOL;
        }
        return T_NAME;
}

static enum tok scan(struct reader *r)
{
        static const char punct[] = "=:,;{}[]()";
        static const enum tok punct_tok[] = {
                T_EQUALS, T_EQUALS, T_COMMA, T_SEMICOLON, T_GROUP_START, T_GROUP_END,
                T_ARRAY_START, T_ARRAY_END, T_LIST_START, T_LIST_END,
        };
        const char *k;
        char c;

        if (!skip_blank(r))
                return T_DECLINE;
        if (r->p >= r->end)
                return T_EOF;
        c = *r->p;
        if (c == '"')
                return scan_string(r);
        if (is_name_start(c))
                return scan_word(r);
        if ((c >= '0' && c <= '9') || c == '-' || c == '+')
                return scan_int(r);
        k = strchr(punct, c);
        if (c && k) {
                r->p++;
                return punct_tok[k - punct];
        }
        return T_DECLINE;
}

static void advance(struct reader *r)
{
        r->tok = scan(r);
}

static bool parse_settings(struct reader *r, struct cfg *group, enum tok end);

/* A scalar at the current token into c; an element's line as libconfig records it. */
static bool parse_scalar(struct reader *r, struct cfg *c, bool element)
{
        if (r->tok == T_BOOL || r->tok == T_INT) {
                c->type = r->tok == T_BOOL ? CFG_BOOL : CFG_INT;
                if (c->type == CFG_BOOL)
                        c->v.b = r->ival != 0;
                else
                        c->v.i = r->ival;
                if (element)
                        c->line = r->line;
                advance(r);
                return true;
        }
        if (r->tok != T_STRING)
                return false;
        /* "a" "b" is one string; libconfig sees its end only at the next token. */
        c->type = CFG_STRING;
        c->v.s = r->text;
        for (size_t len = r->len; (advance(r), r->tok == T_STRING);) {
                char *joined = doc_alloc(r->doc, len + r->len + 1);

                memcpy(joined, c->v.s, len);
                memcpy(joined + len, r->text, r->len + 1);
                c->v.s = joined;
                len += r->len;
        }
        if (element)
                c->line = r->line;
        return true;
}

static bool parse_value(struct reader *r, struct cfg *c, bool element);

/* [ scalar, ... ] of one type, or ( value, ... ). */
static bool parse_sequence(struct reader *r, struct cfg *c, enum tok end)
{
        struct cfg *last = NULL;

        c->type = end == T_ARRAY_END ? CFG_ARRAY : CFG_LIST;
        if (c->line == 0)
                c->line = r->line;
        advance(r);
        if (r->tok == end) {
                advance(r);
                return true;
        }
        for (;;) {
                struct cfg *e = new_node(r->doc, c, &last);

                if (c->type == CFG_ARRAY) {
                        if (!parse_scalar(r, e, true) || e->type != c->first->type)
                                return false;
                } else if (!parse_value(r, e, true))
                        return false;
                if (r->tok == end)
                        break;
                if (r->tok != T_COMMA)
                        return false;
                advance(r);
        }
        advance(r);
        return true;
}

static bool parse_value(struct reader *r, struct cfg *c, bool element)
{
        bool ok;

        if (r->depth >= MAX_DEPTH)
                return false;
        r->depth++;
        if (r->tok == T_GROUP_START) {
                c->type = CFG_GROUP;
                if (element)
                        c->line = r->line;
                advance(r);
                ok = parse_settings(r, c, T_GROUP_END);
                if (ok)
                        advance(r);
        } else if (r->tok == T_ARRAY_START || r->tok == T_LIST_START)
                ok = parse_sequence(r, c, r->tok == T_ARRAY_START ? T_ARRAY_END : T_LIST_END);
        else
                ok = parse_scalar(r, c, element);
        r->depth--;
        return ok;
}

/* name = value [;,] ... up to end (not consumed). Duplicate names are libconfig's error. */
static bool parse_settings(struct reader *r, struct cfg *group, enum tok end)
{
        struct cfg *last = NULL;

        while (r->tok != end) {
                struct cfg *c;

                if (r->tok != T_NAME)
                        return false;
                for (c = group->first; c; c = c->next)
                        if (strlen(c->name) == r->len && strncasecmp(c->name, r->text, r->len) == 0)
                                return false;
                c = new_node(r->doc, group, &last);
                c->name = doc_strndup(r->doc, r->text, r->len);
                c->line = r->line;
                advance(r);
                if (r->tok != T_EQUALS)
                        return false;
                advance(r);
                if (!parse_value(r, c, false))
                        return false;
                if (r->tok == T_SEMICOLON || r->tok == T_COMMA)
                        advance(r);
        }
        return true;
}

int cfg_parse_fast(const char *text, size_t len, struct cfg_doc *doc)
{
        struct reader r = { .doc = doc, .p = text, .end = text + len, .line = 1 };

        memset(doc, 0, sizeof(*doc));
        doc->root = doc_alloc(doc, sizeof(*doc->root));
        memset(doc->root, 0, sizeof(*doc->root));
        advance(&r);
        if (parse_settings(&r, doc->root, T_EOF))
                return 1;
        cfg_doc_free(doc);
        return 0;
}

/* libconfig's tree, copied. */
static void copy_setting(struct cfg_doc *doc, config_setting_t *s, struct cfg *c)
{
        static const enum cfg_type types[] = {
                [CONFIG_TYPE_GROUP] = CFG_GROUP, [CONFIG_TYPE_INT] = CFG_INT,
                [CONFIG_TYPE_INT64] = CFG_INT64, [CONFIG_TYPE_FLOAT] = CFG_FLOAT,
                [CONFIG_TYPE_STRING] = CFG_STRING, [CONFIG_TYPE_BOOL] = CFG_BOOL,
                [CONFIG_TYPE_ARRAY] = CFG_ARRAY, [CONFIG_TYPE_LIST] = CFG_LIST,
        };
        const char *name = config_setting_name(s);
        struct cfg *last = NULL;

        c->type = types[config_setting_type(s)];
        c->line = (int)config_setting_source_line(s);
        c->name = name ? doc_strndup(doc, name, strlen(name)) : NULL;
        switch (c->type) {
        case CFG_INT:
        case CFG_INT64:
                c->v.i = config_setting_get_int64(s);
                break;
        case CFG_FLOAT:
                c->v.f = config_setting_get_float(s);
                break;
        case CFG_STRING:
                c->v.s = doc_strndup(doc, config_setting_get_string(s), strlen(config_setting_get_string(s)));
                break;
        case CFG_BOOL:
                c->v.b = config_setting_get_bool(s);
                break;
        case CFG_GROUP:
        case CFG_ARRAY:
        case CFG_LIST:
                for (int i = 0; i < config_setting_length(s); i++)
                        copy_setting(doc, config_setting_get_elem(s, (unsigned)i), new_node(doc, c, &last));
                break;
        }
}

int cfg_parse_libconfig(const char *text, struct cfg_doc *doc)
{
        config_t cfg;
        int ok;

        memset(doc, 0, sizeof(*doc));
        config_init(&cfg);
        ok = config_read_string(&cfg, text) == CONFIG_TRUE;
        if (ok) {
                doc->root = doc_alloc(doc, sizeof(*doc->root));
                memset(doc->root, 0, sizeof(*doc->root));
                copy_setting(doc, config_root_setting(&cfg), doc->root);
        } else {
                const char *e = config_error_text(&cfg);

                doc->error_line = config_error_line(&cfg);
                doc->error = doc_strndup(doc, e, strlen(e));
        }
        config_destroy(&cfg);
        return ok;
}

int cfg_parse(const char *text, size_t len, struct cfg_doc *doc)
{
        if (cfg_parse_fast(text, len, doc) || cfg_parse_libconfig(text, doc))
                return 0;
        return -EINVAL;
}

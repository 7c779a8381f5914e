/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - UTF-8 validation (RFC 3629): which byte sequences are one
 * well-formed character. The scenario lexer refuses text that is not
 * UTF-8, and the JSON report never writes a byte sequence that is not.
 */
#ifndef PAGELAB_CORE_UTF8_H
#define PAGELAB_CORE_UTF8_H

#include <stddef.h>

/*
 * utf8_char_len() - the length of the well-formed character at @s.
 * @s: the bytes.
 * @n: how many there are (at least 1).
 *
 * Overlong forms, surrogates (U+D800..U+DFFF), code points above U+10FFFF
 * and truncated sequences are not well-formed.
 * Return: 1..4, or 0 if @s does not start a well-formed character.
 */
static inline size_t utf8_char_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* no overlong 3-byte form */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* no surrogate */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* no overlong 4-byte form */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* nothing above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

#endif /* PAGELAB_CORE_UTF8_H */

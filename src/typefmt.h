/*
 * typefmt.h -- the format marker of the kam types' text forms
 *
 * Every stored kam type (kam.activity, kam.survival, kam.rfm_state) writes
 * its text form as "v<format> <body>", e.g. "v2 month 2025-12-31 | ...", so a
 * later kam can tell its formats apart; kam 0.1.0 wrote the body alone
 * (format 1 of kam.activity and kam.survival, format 2 of kam.rfm_state),
 * which never starts with "v<digit>".  The binary forms start with a format
 * byte (see each type).
 */
#ifndef KAM_TYPEFMT_H
#define KAM_TYPEFMT_H

#include "postgres.h"

#include <ctype.h>

/*
 * Reads "v<digits> " at the start of a text value (after spaces) and returns
 * the format, advancing *pp past it; returns 0 and leaves *pp when there is
 * no marker (a kam 0.1.0 text form).
 */
static inline int
kam_text_format(const char **pp, const char *str, const char *typname)
{
	const char *p = *pp;
	int			v = 0;

	while (*p == ' ')
		p++;
	if (*p != 'v')
		return 0;
	p++;
	if (!isdigit((unsigned char) *p))
		return 0;				/* not a format marker: the caller reports it */
	while (isdigit((unsigned char) *p) && v < 1000)
		v = v * 10 + (*p++ - '0');
	if (*p != ' ')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", typname, str),
				 errdetail("The format marker \"v<number>\" must be followed by a space.")));
	*pp = p + 1;
	return v;
}

#endif							/* KAM_TYPEFMT_H */

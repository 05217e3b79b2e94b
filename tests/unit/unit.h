/* Shared includes for the cmocka unit tests. */
#ifndef SSMD_UNIT_H
#define SSMD_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

/* A file descriptor reading the given bytes (a temporary file, unlinked). */
static inline int
unit_fd_with(const void *p, size_t n)
{
	FILE	*f = tmpfile();
	int	 fd;

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

#endif

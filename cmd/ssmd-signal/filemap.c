/* filemap: mmap(2) and memchr. */
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filemap.h"
#include "lineio.h"

enum filemap_res
filemap_open(struct filemap *m, int fd)
{
	struct stat	 st;
	off_t		 off;
	void		*b;

	memset(m, 0, sizeof(*m));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (off = lseek(fd, 0, SEEK_CUR)) == -1 || off >= st.st_size)
		return FILEMAP_NOT_FILE;
	b = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (b == MAP_FAILED)
		return FILEMAP_NOT_FILE;
	(void)madvise(b, (size_t)st.st_size, MADV_SEQUENTIAL);
	m->base = b;
	m->len = (size_t)st.st_size;
	m->p = m->base + off;
	m->end = m->base + m->len;
	return FILEMAP_OK;
}

int
filemap_next(struct filemap *m, size_t max_line, struct lineio_line *l)
{
	const char	*nl;

	if (m->p >= m->end)
		return LINEIO_EOF;
	nl = memchr(m->p, '\n', (size_t)(m->end - m->p));
	l->p = m->p;
	l->len = (size_t)((nl != NULL ? nl : m->end) - m->p);
	l->flags = nl != NULL ? 0 : LINEIO_NOEOL;
	m->p = nl != NULL ? nl + 1 : m->end;
	if (l->len > 0 && l->p[l->len - 1] == '\r') {
		l->len--;
		l->flags |= LINEIO_CRLF;
	}
	if (l->len > max_line) {
		l->len = max_line;
		l->flags |= LINEIO_LONG | LINEIO_FIRST;
	}
	return LINEIO_LINE;
}

void
filemap_drop_read(struct filemap *m)
{
	size_t	pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t	upto = (size_t)(m->p - m->base) / pg * pg;

	if (m->base == NULL || upto <= m->dropped)
		return;
	(void)madvise((char *)m->base + m->dropped, upto - m->dropped,
	    MADV_DONTNEED);
	m->dropped = upto;
}

uint64_t
filemap_bytes(const struct filemap *m)
{
	return m->base != NULL ? (uint64_t)(m->p - m->base) : 0;
}

void
filemap_close(struct filemap *m)
{
	if (m->base != NULL)
		munmap((void *)m->base, m->len);
	memset(m, 0, sizeof(*m));
}

/*
 * pf_nightly_state: the state folder that lives between nights, and the
 * checks made on a target before a night starts.
 *
 *   STATE/.lock                flock'ed for the whole run
 *   STATE/<target>/corpus/     what earlier nights learned (pf_corpus:
 *                              content-addressed, swapped in whole)
 *   STATE/findings.json        the findings database (pf_nightly_db.c)
 *   STATE/findings/<id>/       each finding's reproducer
 *   STATE/run-<run id>/        the running night's work folder; removed at
 *                              the end, and by the next run if it was killed
 *
 * Every file is written to a temporary name and renamed and the corpus is
 * swapped whole, so a run killed at any point (SIGKILL included) leaves
 * the previous night's state as it was.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_corpus.h"
#include "pf_fs.h"
#include "pf_hash.h"
#include "pf_nightly.h"

char *pf_nstate_path(const pf_nstate *st, const char *rel)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_addf(&b, "%s/%s", st->dir, rel);
    return pf_buf_detach(&b, NULL);
}

static void remove_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "run-", 4) && !strstr(e->d_name, ".prodfuzz-tmp-") &&
            !strstr(e->d_name, ".tmp"))
            continue;
        pf_buf p = PF_BUF_INIT;
        pf_buf_addf(&p, "%s/%s", dir, e->d_name);
        if (pf_buf_ok(&p, NULL) == 0 && pf_fs_remove_tree(p.data, NULL) < 0)
            unlink(p.data);
        pf_buf_free(&p);
    }
    if (d)
        closedir(d);
}

int pf_nstate_open(const char *dir, pf_nstate *st, pf_err *err)
{
    memset(st, 0, sizeof *st);
    st->lock_fd = -1;
    if (pf_fs_mkdirs(dir, 0755, err) < 0)
        return -1;
    /* absolute: engines run with the work folder as their cwd */
    if (!(st->dir = realpath(dir, NULL)))
        return pf_err_errno(err, errno, "cannot resolve the state folder %s", dir);
    char *lock = pf_nstate_path(st, ".lock");
    if (!lock) {
        pf_nstate_close(st);
        return pf_err_set(err, PF_E_NOMEM, "out of memory");
    }
    st->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (st->lock_fd < 0) {
        int e = errno;
        free(lock);
        pf_nstate_close(st);
        return pf_err_errno(err, e, "cannot open the state lock");
    }
    if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t k = pread(st->lock_fd, pid, sizeof pid - 1, 0);
        pid[k > 0 ? k : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        free(lock);
        pf_nstate_close(st);
        if (e == EWOULDBLOCK)
            return pf_err_set(err, PF_E_ENV, "the state folder %s is in use "
                              "by another nightly run (pid %s); two runs on "
                              "one state are refused", dir, pid[0] ? pid : "?");
        return pf_err_errno(err, e, "cannot lock the state folder %s", dir);
    }
    free(lock);
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(st->lock_fd, 0) == 0 && pwrite(st->lock_fd, pid, (size_t)n, 0) < 0) {
        /* the pid is only a courtesy for the error message */
    }
    remove_leftovers(dir);
    /* a killed run's corpus staging folders sit beside each corpus */
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "findings"))
            continue;
        pf_buf p = PF_BUF_INIT;
        pf_buf_addf(&p, "%s/%s", dir, e->d_name);
        if (pf_buf_ok(&p, NULL) == 0 && pf_fs_is_dir(p.data))
            remove_leftovers(p.data);
        pf_buf_free(&p);
    }
    if (d)
        closedir(d);
    return 0;
}

void pf_nstate_close(pf_nstate *st)
{
    if (st->lock_fd >= 0)
        close(st->lock_fd); /* releases the flock */
    st->lock_fd = -1;
    free(st->dir);
    st->dir = NULL;
}

/* ---- the target binary ------------------------------------------------------ */

int pf_binary_has_symbol(const char *path, const char *symbol, pf_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pf_err_errno(err, errno, "cannot read the target %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
        close(fd);
        return pf_err_set(err, PF_E_INPUT, "%s is not an ELF binary", path);
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return pf_err_errno(err, errno, "cannot read the target %s", path);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    int found = -1;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shoff == 0 || eh->e_shoff > size ||
        (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum) {
        pf_err_set(err, PF_E_INPUT, "%s is not a 64-bit ELF binary", path);
        goto out;
    }
    found = 0;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    size_t slen = strlen(symbol);
    for (unsigned i = 0; i < eh->e_shnum && !found; i++) {
        if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM)
            continue;
        if (sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset ||
            strs->sh_offset > size || strs->sh_size > size - strs->sh_offset)
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(m + sh[i].sh_offset);
        size_t nsym = sh[i].sh_size / sizeof *sym;
        const char *names = (const char *)(m + strs->sh_offset);
        for (size_t k = 0; k < nsym; k++) {
            if (sym[k].st_shndx == SHN_UNDEF || sym[k].st_name >= strs->sh_size)
                continue;
            if (strs->sh_size - sym[k].st_name > slen &&
                !memcmp(names + sym[k].st_name, symbol, slen + 1)) {
                found = 1;
                break;
            }
        }
    }
out:
    munmap((void *)m, size);
    return found;
}

int pf_binary_build_id(const char *path, char out[65], pf_err *err)
{
    pf_buf b = PF_BUF_INIT;
    int rc = pf_fs_read_file(path, (size_t)1 << 30, &b, err);
    if (rc == 0)
        rc = pf_sha256_hex(b.data, b.len, out, err);
    pf_buf_free(&b);
    return rc;
}

/* ---- folders ----------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pf_dir_files(const char *dir, char ***names, size_t *n, pf_err *err)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return pf_err_errno(err, errno, "cannot read the folder %s", dir);
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        pf_buf p = PF_BUF_INIT;
        pf_buf_addf(&p, "%s/%s", dir, e->d_name);
        struct stat st;
        int reg = pf_buf_ok(&p, NULL) == 0 && stat(p.data, &st) == 0 &&
                  S_ISREG(st.st_mode);
        pf_buf_free(&p);
        if (!reg)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **g = realloc(*names, cap * sizeof *g);
            if (!g)
                goto oom;
            *names = g;
        }
        if (!((*names)[*n] = strdup(e->d_name)))
            goto oom;
        ++*n;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_str);
    return 0;
oom:
    closedir(d);
    pf_dir_files_free(*names, *n);
    *names = NULL;
    *n = 0;
    return pf_err_set(err, PF_E_NOMEM, "out of memory");
}

void pf_dir_files_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

typedef struct sized {
    char *path;
    uint64_t size;
} sized;

static int cmp_size(const void *a, const void *b)
{
    const sized *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return strcmp(x->path, y->path);
}

int64_t pf_corpus_replace(const char *dst, const char *const *srcs,
                          size_t nsrcs, uint64_t cap_files, uint64_t cap_bytes,
                          const char *manifest_json, pf_err *err)
{
    sized *all = NULL;
    size_t n = 0, cap = 0;
    int64_t rc = -1;
    for (size_t s = 0; s < nsrcs; s++) {
        char **names = NULL;
        size_t k = 0;
        if (!srcs[s] || !pf_fs_is_dir(srcs[s]))
            continue;
        if (pf_dir_files(srcs[s], &names, &k, err) < 0)
            goto out;
        for (size_t i = 0; i < k; i++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                sized *g = realloc(all, cap * sizeof *g);
                if (!g) {
                    pf_dir_files_free(names, k);
                    pf_err_set(err, PF_E_NOMEM, "out of memory");
                    goto out;
                }
                all = g;
            }
            pf_buf p = PF_BUF_INIT;
            pf_buf_addf(&p, "%s/%s", srcs[s], names[i]);
            struct stat st;
            if (pf_buf_ok(&p, err) < 0) {
                pf_dir_files_free(names, k);
                goto out;
            }
            all[n].path = pf_buf_detach(&p, NULL);
            all[n].size = stat(all[n].path, &st) == 0 ? (uint64_t)st.st_size : 0;
            n++;
        }
        pf_dir_files_free(names, k);
    }
    if (n)
        qsort(all, n, sizeof *all, cmp_size);
    pf_corpus c;
    if (pf_corpus_open(&c, dst, 0, err) < 0)
        goto out;
    uint64_t bytes = 0, kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (cap_files && kept >= cap_files)
            break;
        if (cap_bytes && bytes + all[i].size > cap_bytes)
            break;
        pf_buf data = PF_BUF_INIT;
        int r = pf_fs_read_file(all[i].path, (size_t)1 << 30, &data, err);
        if (r == 0)
            r = pf_corpus_add(&c, data.data, data.len, NULL, err);
        pf_buf_free(&data);
        if (r < 0) {
            pf_corpus_abort(&c);
            goto out;
        }
        if (r == 1) {
            kept++;
            bytes += all[i].size;
        }
    }
    if (pf_corpus_commit(&c, manifest_json, err) < 0) {
        pf_corpus_abort(&c);
        goto out;
    }
    rc = (int64_t)kept;
out:
    for (size_t i = 0; i < n; i++)
        free(all[i].path);
    free(all);
    return rc;
}

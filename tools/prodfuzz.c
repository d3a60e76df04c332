/*
 * prodfuzz: the command. One subcommand per file (cmd_*.c); this file only
 * finds the subcommand, handles the options that come before it, and
 * returns its exit code.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pf_version.h"

extern const pf_cmd pf_cmd_sample, pf_cmd_anonymize, pf_cmd_policy,
    pf_cmd_shape, pf_cmd_mutate, pf_cmd_check, pf_cmd_diff, pf_cmd_explain,
    pf_cmd_nightly, pf_cmd_repro, pf_cmd_seed_tests, pf_cmd_report,
    pf_cmd_doctor;
extern const pf_cmd pf_cmd_harness;

static const pf_cmd *const cmds[] = {
    &pf_cmd_sample,  &pf_cmd_anonymize, &pf_cmd_policy,     &pf_cmd_shape,
    &pf_cmd_mutate,  &pf_cmd_check,     &pf_cmd_diff,       &pf_cmd_explain,
    &pf_cmd_nightly, &pf_cmd_repro, &pf_cmd_seed_tests, &pf_cmd_report,
    &pf_cmd_doctor,  &pf_cmd_harness,
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

const pf_cmd *cli_find_cmd(const char *name)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (strcmp(cmds[i]->name, name) == 0)
            return cmds[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
        "usage: prodfuzz [--log-format text|json] [--no-color] [--quiet]\n"
        "                SUBCOMMAND [OPTIONS] [ARGS]\n"
        "\n"
        "Find the bugs that only production data triggers: sample and\n"
        "anonymize production rows into a fuzz corpus, learn their shape,\n"
        "and mutate past the boundaries production has shown.\n"
        "\n"
        "Subcommands:\n");
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(out, "  %-11s %s\n", cmds[i]->name, cmds[i]->summary);
    fprintf(out,
        "\n"
        "  help CMD    show the help of a subcommand (also: prodfuzz CMD --help)\n"
        "\n"
        "Exit codes: 0 ok, 1 findings (crash, divergence, leak), 2 usage or\n"
        "input error, 3 environment error (database, tool, timeout, disk).\n"
        "\n"
        "Example:\n"
        "  prodfuzz doctor\n"
        "  prodfuzz anonymize --key-file key.bin rows.jsonl -o corpus/rows/\n");
}

int main(int argc, char **argv)
{
    cli_init();
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
            printf("prodfuzz %s\n", PF_VERSION);
            return 0;
        } else if (!strcmp(a, "--log-format") && i + 1 < argc) {
            if (cli_common_opt(NULL, CLI_OPT_LOG_FORMAT, argv[++i]) < 0)
                return EXIT_USAGE;
        } else if (!strncmp(a, "--log-format=", 13)) {
            if (cli_common_opt(NULL, CLI_OPT_LOG_FORMAT, a + 13) < 0)
                return EXIT_USAGE;
        } else if (!strcmp(a, "--no-color")) {
            pf_cli_g.color = 0;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            pf_cli_g.quiet = 1;
            pf_cli_g.progress = 0;
        } else {
            cli_error("unknown option '%s'", a);
            return cli_bad_option(NULL);
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[i];
    if (!strcmp(name, "help")) {
        if (i + 1 >= argc) {
            usage(stdout);
            return 0;
        }
        const pf_cmd *c = cli_find_cmd(argv[i + 1]);
        if (!c) {
            cli_error("unknown subcommand '%s'", argv[i + 1]);
            return cli_bad_option(NULL);
        }
        cli_print_help(c);
        return 0;
    }
    if (!strcmp(name, "version")) {
        printf("prodfuzz %s\n", PF_VERSION);
        return 0;
    }
    const pf_cmd *c = cli_find_cmd(name);
    if (!c) {
        cli_error("unknown subcommand '%s'", name);
        /* suggest one that shares a prefix */
        for (size_t k = 0; k < NCMDS; k++)
            if (!strncmp(cmds[k]->name, name, 2)) {
                fprintf(stderr, "Did you mean '%s'?\n", cmds[k]->name);
                break;
            }
        return cli_bad_option(NULL);
    }
    pf_cli_g.cmd = c->name;
    optind = 1;
    return c->run(argc - i, argv + i);
}

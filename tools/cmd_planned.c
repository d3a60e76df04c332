/*
 * Subcommands that are named in the design but not built yet. Each says so
 * plainly and exits 2, instead of pretending to work.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int planned(const pf_cmd *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            cli_print_help(cmd);
            return 0;
        }
    cli_error("'%s' is not available in this version of prodfuzz yet", cmd->name);
    return EXIT_USAGE;
}

#define PLANNED(var, nm, summ, what)                                       \
    static int run_##var(int argc, char **argv);                           \
    const pf_cmd pf_cmd_##var = {                                          \
        nm, summ " (planned)",                                             \
        "usage: prodfuzz " nm " ...\n\n" what "\n\n"                       \
        "Not available in this version yet: running it exits 2.\n"         \
        "Example:\n  prodfuzz help " nm "\n",                              \
        run_##var};                                                        \
    static int run_##var(int argc, char **argv)                            \
    {                                                                      \
        return planned(&pf_cmd_##var, argc, argv);                         \
    }

PLANNED(diff, "diff", "gate a parser change: old vs new on the same inputs",
        "Runs an old and a new build of a parser on the same inputs and\n"
        "reports where they disagree.")

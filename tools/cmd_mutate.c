/*
 * prodfuzz mutate: placeholder until its module lands; exits 2 and says so.
 */
#include <string.h>

#include "cli.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_mutate = {"mutate", "(being built)",
    "usage: prodfuzz mutate ...\n\nNot available in this build yet.\n"
    "Example:\n  prodfuzz help mutate\n", run};

static int run(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            cli_print_help(&pf_cmd_mutate);
            return 0;
        }
    cli_error("'mutate' is not available in this build yet");
    return EXIT_USAGE;
}

/*
 * prodfuzz sample: placeholder until its module lands; exits 2 and says so.
 */
#include <string.h>

#include "cli.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_sample = {"sample", "(being built)",
    "usage: prodfuzz sample ...\n\nNot available in this build yet.\n"
    "Example:\n  prodfuzz help sample\n", run};

static int run(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            cli_print_help(&pf_cmd_sample);
            return 0;
        }
    cli_error("'sample' is not available in this build yet");
    return EXIT_USAGE;
}

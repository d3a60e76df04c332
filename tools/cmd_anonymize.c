/*
 * prodfuzz anonymize: placeholder until its module lands; exits 2 and says so.
 */
#include <string.h>

#include "cli.h"

static int run(int argc, char **argv);
const pf_cmd pf_cmd_anonymize = {"anonymize", "(being built)",
    "usage: prodfuzz anonymize ...\n\nNot available in this build yet.\n"
    "Example:\n  prodfuzz help anonymize\n", run};

static int run(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            cli_print_help(&pf_cmd_anonymize);
            return 0;
        }
    cli_error("'anonymize' is not available in this build yet");
    return EXIT_USAGE;
}

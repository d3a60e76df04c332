/* prodfuzz version and the formats it writes. */
#ifndef PF_VERSION_H
#define PF_VERSION_H
#define PF_VERSION "0.1.0"
#endif

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, for an entry point that is not libFuzzer's own main (see FuzzEntry.c).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test_one_input)(const uint8_t *data, size_t size));

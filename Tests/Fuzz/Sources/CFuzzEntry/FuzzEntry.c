#include "CFuzzEntry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

// SwiftPM links an ELF executable with `--defsym main=<Module>_main`, so that tests can call into it; with
// -parse-as-library (libFuzzer brings its own main) the Swift module emits no such symbol and the link
// fails. These are that symbol for each target, handing over to libFuzzer's driver as its main would.
int FuzzXMLStream_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

int FuzzJSON_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

int FuzzTOML_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

int FuzzVarlinkFraming_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

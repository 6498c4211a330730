// tfjs-studio-h5-reader: the only process that lets libhdf5 read a model file.
//
// libhdf5 crashes or spins on some damaged files, and we cannot fix it, so the studio and the
// CLI never call it themselves: they start this program with CPU-time and address-space limits,
// read the Keras contents stream from its stdout (keras_h5_contents.h) and parse that with their
// own limits. Errors go to stderr as one JSON object; the exit status says which happened.
//
//   tfjs-studio-h5-reader [--keras3-weights] [--cpu-seconds N] [--address-space BYTES] FILE
// (--keras3-weights: FILE is the model.weights.h5 of a Keras 3 .keras archive)
#include "converter/importers/keras_h5_extract.h"
#include "converter/importers/sanitizers.h"
#include "core/error.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <new>
#include <string>

#include <nlohmann/json.hpp>

#include "converter/importers/child_side.h"

namespace {

using studio::conv::child::kExitError;
using studio::conv::child::kExitUsage;
using studio::conv::child::limit;
using studio::conv::child::reportError;

bool isPipe(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

constexpr bool sanitizedBuild() { return STUDIO_ASAN != 0; }

} // namespace

#if STUDIO_ASAN
// In sanitizer builds a crash inside libhdf5 (not instrumented) must stay a crash, as in release
// builds, so the parent's tests see the same signal instead of a sanitizer report.
extern "C" const char* __asan_default_options()
{
    return "handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:handle_sigill=0:detect_leaks=0";
}
#endif

int main(int argc, char** argv)
{
    unsigned long long cpuSeconds = 0;
    unsigned long long addressSpace = 0;
    const char* file = nullptr;
    bool keras3 = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--keras3-weights") {
            keras3 = true;
        } else if ((a == "--cpu-seconds" || a == "--address-space") && i + 1 < argc) {
            char* end = nullptr;
            const unsigned long long v = std::strtoull(argv[++i], &end, 10);
            if (!end || *end) {
                std::fprintf(stderr, "tfjs-studio-h5-reader: bad value for %s\n", a.c_str());
                return kExitUsage;
            }
            (a == "--cpu-seconds" ? cpuSeconds : addressSpace) = v;
        } else if (!file && !a.empty() && a[0] != '-') {
            file = argv[i];
        } else {
            std::fprintf(stderr, "usage: tfjs-studio-h5-reader [--keras3-weights] [--cpu-seconds N] [--address-space BYTES] FILE\n");
            return kExitUsage;
        }
    }
    if (!file) {
        std::fprintf(stderr, "usage: tfjs-studio-h5-reader [--keras3-weights] [--cpu-seconds N] [--address-space BYTES] FILE\n");
        return kExitUsage;
    }
    // The limits go on before the file is opened. No core files: a crash here is expected on
    // damaged input and is reported by the parent. AddressSanitizer reserves terabytes of
    // address space for its shadow memory, so sanitizer builds rely on the parent's reply cap.
    limit(RLIMIT_CORE, 0);
    if (isPipe(1) && isPipe(2))
        limit(RLIMIT_FSIZE, 0); // it writes no files (run by hand, its output may go to one)
    if (cpuSeconds)
        limit(RLIMIT_CPU, static_cast<rlim_t>(cpuSeconds), 2); // SIGXCPU at the soft limit, SIGKILL 2 s later
    if (addressSpace && !sanitizedBuild())
        limit(RLIMIT_AS, static_cast<rlim_t>(addressSpace));
    try {
        if (keras3)
            studio::conv::extractKeras3Weights(file, stdout);
        else
            studio::conv::extractKerasH5(file, stdout);
        return 0;
    } catch (const studio::Error& e) {
        reportError(e.what(), e.where());
    } catch (const std::bad_alloc&) {
        reportError(std::filesystem::path(file).filename().string() + ": reading the file needed more memory than the reader's limit of "
                + std::to_string(addressSpace) + " bytes (damaged file, or raise --max-memory)", {});
    } catch (const std::exception& e) {
        reportError(std::filesystem::path(file).filename().string() + ": " + e.what(), {});
    }
    return kExitError;
}

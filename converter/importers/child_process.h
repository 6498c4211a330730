// Runs a reader program (a helper that lets an untrusted C library parse a model file) in a
// child process with limits, and turns every way it can fail into a studio::Error naming the
// file. The child's reply is returned as bytes for the caller to parse with its own limits.
#pragma once

#include "core/error.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace studio::conv {

struct ChildLimits {
    std::uint64_t maxReplyBytes = 0;     // more on stdout is an error (the child is killed)
    std::uint64_t addressSpaceBytes = 0; // passed to the child, which applies it to itself
    unsigned cpuSeconds = 120;           // ditto (SIGXCPU when exceeded)
    std::chrono::seconds wallTime{300};  // the parent kills the child after this
};

struct ChildRequest {
    std::filesystem::path program;
    std::vector<std::string> args; // after the program name; the limits are appended
    std::string label;             // the model file, for messages: "model.h5"
    std::string library;           // who does the reading, for messages: "the HDF5 library"
    ChildLimits limits;
    CancelToken cancel;            // kills the child and throws studio::Cancelled
    // Bytes for the child's stdin, in order (a writer child's input); none: stdin is /dev/null.
    // The views must stay valid until runReaderChild returns.
    std::vector<std::span<const std::uint8_t>> input;
    // How big the reply is expected to be (0: unknown). The reply buffer is reserved for that
    // much up front (never past limits.maxReplyBytes): a reply of hundreds of megabytes that
    // grows by doubling is copied again and again and briefly held twice.
    std::uint64_t expectedReplyBytes = 0;
};

// The child's stdout when it exits with status 0. Exit status 1 with a JSON object on stderr
// ({"error": message, "file", "node", "weight", "layer", "field"}) is rethrown as that error;
// a signal, limit, timeout or any other status becomes an error saying so.
std::vector<std::uint8_t> runReaderChild(const ChildRequest& request);

// A helper program installed with the studio: in $TFJS_STUDIO_HELPERS when set (tests), beside
// the running executable (build trees), or in ../libexec/tfjs-studio/ relative to its folder
// (installed). Throws when it is missing.
std::filesystem::path helperProgram(const std::string& name);

} // namespace studio::conv

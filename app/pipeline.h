// The headless studio pipeline (inspect, convert, benchmark) shared by the GUI's no-display
// mode and `tfjs-studio-cli pipeline`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>

namespace studio::app {

// Returns the process exit code; prints the report to out and errors to err. maxMemoryBytes is
// the model's memory budget (--max-memory; 0: the default).
int runPipeline(const std::filesystem::path& model, const std::filesystem::path& outDir, std::ostream& out,
    std::ostream& err, std::uint64_t maxMemoryBytes = 0);

// The bundled sample model next to the executable (installed) or in the source tree.
std::filesystem::path bundledSampleModel();

} // namespace studio::app

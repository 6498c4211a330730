// Keras HDF5 importer, parent side: starts the HDF5 reader child with limits, parses its reply
// and builds the layers model. libhdf5 itself is only ever called in the child.
#include "converter/importers/keras_h5.h"

#include "converter/importers/child_process.h"
#include "converter/importers/keras_h5_contents.h"
#include "core/io/memory_budget.h"

namespace studio::conv {

namespace fs = std::filesystem;

std::vector<std::uint8_t> runH5Reader(const fs::path& file, const std::vector<std::string>& args,
    const std::string& label, const ImportOptions& options)
{
    const std::uint64_t budget = core::memoryBudgetOr(options.maxMemoryBytes);
    ChildRequest req;
    req.program = helperProgram("tfjs-studio-h5-reader");
    req.args = args;
    std::error_code ec;
    req.args.push_back(fs::absolute(file, ec).string());
    req.label = label;
    req.library = "the HDF5 library";
    // The reply holds the weights as stored plus a header; the child may need the weights once
    // more while reading one dataset, plus its own code and libhdf5's caches.
    req.limits.maxReplyBytes = budget;
    req.limits.addressSpaceBytes = budget + (std::uint64_t{1} << 30);
    // The reply is about the file's size (the weights plus the config; an uncompressed file
    // holds the same bytes and a little HDF5 structure), so it is received without regrowing.
    if (const auto size = fs::file_size(file, ec); !ec)
        req.expectedReplyBytes = size + (std::uint64_t{1} << 20);
    if (options.readerCpuSeconds) {
        req.limits.cpuSeconds = options.readerCpuSeconds;
        req.limits.wallTime = std::chrono::seconds(10 + 5 * options.readerCpuSeconds);
    }
    req.cancel = options.cancel;
    return runReaderChild(req);
}

core::Model readKerasH5(const fs::path& path, const ImportOptions& options)
{
    const std::string label = path.filename().string();
    std::error_code ec;
    if (!fs::exists(path, ec))
        fail(label, "no such file (" + path.string() + ")");
    if (fs::is_directory(path, ec))
        fail(label, "is a folder, expected an HDF5 file");
    auto reply = runH5Reader(path, {}, label, options);
    if (options.progress)
        options.progress(0.9);
    return buildKerasModel(decodeH5Stream(std::move(reply), label, &path), path);
}

} // namespace studio::conv

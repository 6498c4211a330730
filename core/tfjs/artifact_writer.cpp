// Writing the artifact folder: each weight re-encoded as planned into the shards, then
// model.json, all in a temporary folder that replaces the output folder at the end.
#include "core/tfjs/artifact_writer.h"

#include "core/error.h"
#include "core/io/atomic_dir.h"
#include "core/tfjs/decode.h"
#include "core/tfjs/json_limits.h"
#include "core/tfjs/json_writer.h"
#include "core/tfjs/model_json_writer.h"
#include "core/tfjs/shard_writer.h"
#include "core/version.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

namespace studio::core {

namespace fs = std::filesystem;

namespace {

// The files of the previous model in an existing output folder: its model.json and the shards
// its manifest lists, nothing else (a user's backup.bin beside them is not ours to delete).
// A model.json that is not a TF.js model.json makes the folder not ours at all.
std::set<std::string> previousModelFiles(const fs::path& target)
{
    std::set<std::string> ours;
    const fs::path json = target / "model.json";
    std::error_code ec;
    if (!fs::is_regular_file(json, ec))
        return ours; // then every file in the folder is someone else's
    auto refuse = [&](const std::string& why) {
        fail(json.string(), why + "; it is not a TF.js model.json written here, so the folder is not replaced"
                "; choose an empty or new folder");
    };
    std::ifstream in(json, std::ios::binary);
    if (!in)
        refuse("cannot be read");
    nlohmann::ordered_json doc;
    try {
        doc = parseJsonLimited(in, json.filename().string());
    } catch (const Error& e) {
        refuse(std::string("cannot be parsed (") + e.what() + ")");
    }
    if (!doc.is_object() || !doc.contains("weightsManifest") || !doc["weightsManifest"].is_array())
        refuse("has no weightsManifest list");
    for (const auto& group : doc["weightsManifest"]) {
        if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array())
            refuse("has a weightsManifest entry without a paths list");
        for (const auto& p : group["paths"]) {
            if (!p.is_string())
                refuse("has a shard path that is not a string");
            ours.insert(p.get<std::string>()); // a path with a folder in it never names an entry
        }
    }
    ours.insert("model.json");
    return ours;
}

const ReplaceableContents kPreviousModel{previousModelFiles,
    "the previous TF.js model (model.json and the shards its weightsManifest lists)"};

// Buffers reused from weight to weight: they grow to the largest weight once.
struct Scratch {
    std::vector<std::uint8_t> bytes;
    std::vector<float> values;
};

// Writes one weight's bytes in its planned storage; returns the quantization it is written
// with (nullopt: plain).
std::optional<Quantization> writeWeight(const PlannedWeight& pw, ShardWriter& out, Scratch& s)
{
    const Weight& w = *pw.weight;
    const auto n = static_cast<std::size_t>(w.elementCount());
    const bool keepAsStored = pw.storage && w.quantization && w.quantization->dtype == *pw.storage;
    auto decode = [&] {
        if (s.values.size() < n)
            s.values.resize(n);
        decodeFloat32Into(w, s.values.data());
        s.bytes.resize(pw.bytes);
    };
    if (pw.storage && !keepAsStored) {
        // Quantize from float32 values (dequantizing first if stored quantized), as the converter does.
        decode();
        Quantization q;
        q.dtype = *pw.storage;
        if (*pw.storage == DType::Float16) {
            quantizeFloat16(s.values.data(), n, s.bytes.data());
        } else {
            const auto p = quantizeAffine(s.values.data(), n, *pw.storage, s.bytes.data());
            q.min = p.min;
            q.scale = p.scale;
        }
        q.originalDtype = "float32";
        out.write(s.bytes.data(), s.bytes.size());
        return q;
    }
    if (w.quantization && !keepAsStored) {
        // Stored quantized, written plain.
        if (w.dtype == DType::Int32) {
            // TF.js: Math.round(q * scale + min) in double.
            const auto stored = w.storedBytes();
            const double lo = *w.quantization->min, scale = *w.quantization->scale;
            s.bytes.resize(pw.bytes);
            for (std::size_t i = 0; i < n; ++i) {
                double qv = stored[i];
                if (w.quantization->dtype == DType::UInt16)
                    qv = stored[2 * i] | (stored[2 * i + 1] << 8);
                const auto v = static_cast<std::int32_t>(std::floor(qv * scale + lo + 0.5));
                std::memcpy(s.bytes.data() + 4 * i, &v, 4);
            }
        } else {
            decode();
            std::memcpy(s.bytes.data(), s.values.data(), n * 4);
        }
        out.write(s.bytes.data(), s.bytes.size());
        return std::nullopt;
    }
    // Unchanged bytes (plain, or already quantized as asked: bytes and min/scale kept,
    // since re-quantizing dequantized values would move min/scale by float32 rounding).
    // Copied file to file inside the kernel where they lie in a file, else in chunks, so that
    // huge weights never sit in memory whole.
    out.copy(*w.source, w.offset, w.byteLength);
    return keepAsStored ? w.quantization : std::nullopt;
}

} // namespace

WriteReport writeTfjsModel(const Model& model, const fs::path& outDir, const WriteOptions& options)
{
    const auto groups = planWeights(model, options.quantization, options.shardSize);
    if (!model.sourcePath.empty()) {
        std::error_code ec;
        const fs::path sourceDir = fs::absolute(fs::path(model.sourcePath)).lexically_normal().parent_path();
        if (fs::equivalent(sourceDir, outDir, ec))
            fail(fs::absolute(outDir).lexically_normal().string(),
                "is the source model's folder; write to another folder (a source model is never modified)");
    }
    AtomicDir dir(outDir, kPreviousModel); // removes its temporary folder unless committed
    const fs::path& target = dir.target();
    testCrashPoint("staging-created");

    WriteReport report;
    std::uint64_t total = 0, done = 0;
    for (const auto& g : groups)
        total += g.bytes;
    std::vector<std::vector<std::optional<Quantization>>> quantizations;
    Scratch scratch;
    for (const auto& g : groups) {
        ShardWriter shards(dir.staging(), g.files, options.shardSize);
        auto& qs = quantizations.emplace_back();
        for (const auto& pw : g.weights) {
            if (options.cancelled && options.cancelled())
                throw Cancelled();
            const auto q = writeWeight(pw, shards, scratch);
            if (q)
                ++report.quantizedWeights;
            qs.push_back(q);
            done += pw.bytes;
            if (options.progress && total)
                options.progress(static_cast<double>(done) / static_cast<double>(total));
        }
        shards.finish();
        for (const auto& f : g.files)
            report.shardFiles.push_back(target / f);
        report.weightBytes += g.bytes;
    }
    testCrashPoint("shards-written");
    const std::string convertedBy = options.convertedBy.empty() ? "tfjs-studio v" STUDIO_VERSION : options.convertedBy;
    writeFileSynced(dir.staging() / "model.json", dumpPythonJson(modelJsonDocument(model, groups, quantizations, convertedBy)));
    testCrashPoint("model-json-written");
    report.modelJson = target / "model.json";
    // Swap the finished folder into place; the old one (a previous model only) goes.
    dir.commit();
    return report;
}

} // namespace studio::core

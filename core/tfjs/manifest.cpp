// Reading a weightsManifest over its shard files, and writing one for a weight plan.
#include "core/tfjs/manifest.h"

#include "core/error.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <set>

namespace studio::core {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

std::string fileLabel(const fs::path& p) { return p.filename().string(); }

// Size arithmetic on numbers from the file: a wrapped total would let four weights of 2^60
// elements pass as a 16-byte model.
std::optional<std::uint64_t> checkedMul(std::uint64_t a, std::uint64_t b)
{
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
        return std::nullopt;
    return a * b;
}

std::optional<std::uint64_t> checkedAdd(std::uint64_t a, std::uint64_t b)
{
    if (b > std::numeric_limits<std::uint64_t>::max() - a)
        return std::nullopt;
    return a + b;
}

// The shard file a manifest path names. A model comes from strangers: its paths must name files
// inside its own folder once ".." and symlinks are resolved, or reading it would read (and a
// conversion would copy out) any file the user can read. Messages name the path as written
// and nothing about where it leads.
fs::path shardPath(const fs::path& baseDir, const std::string& written, const Location& where)
{
    const fs::path rel(written);
    if (written.empty())
        fail(where, "a shard path is empty");
    if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory())
        fail(where, "shard path '" + written + "' is absolute; shard paths must be relative to the model's folder");
    const fs::path base = baseDir.empty() ? fs::path(".") : baseDir;
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(base, ec);
    fs::path target;
    if (!ec)
        target = fs::weakly_canonical(base / rel, ec);
    if (ec)
        fail(where, "cannot resolve shard path '" + written + "': " + ec.message());
    // A prefix of whole components: "/m/a" holds "/m/a/x.bin" but not "/m/ab/x.bin".
    const auto [r, t] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
    const bool inside = r == root.end() && t != target.end() && !t->empty();
    if (!inside)
        fail(where, "shard path '" + written + "' leads outside the model's folder; shard paths must name files "
                    "inside it (no '..' above it, no symlinks out of it)");
    // The path as written (not the resolved target), so messages and reports name what the manifest names.
    return base / rel.lexically_normal();
}

// No real tensor comes near it; the bound keeps element counts far from int64 overflow.
constexpr std::uint64_t kMaxManifestElements = std::uint64_t{1} << 60;

std::vector<std::int64_t> parseShape(const Json& v, const std::string& where)
{
    if (!v.is_array())
        fail(where, "shape must be an array");
    std::vector<std::int64_t> dims;
    std::uint64_t count = 1;
    for (const auto& d : v) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
            fail(where, "shape has an invalid dimension " + d.dump());
        dims.push_back(d.get<std::int64_t>());
        // Bounded here, so that Weight::elementCount() and every size computed from it stay in range.
        const auto next = checkedMul(count, static_cast<std::uint64_t>(dims.back()));
        if (!next || *next > kMaxManifestElements)
            fail(where, "shape " + v.dump() + " has more than 2^60 elements");
        count = *next;
    }
    return dims;
}

Quantization parseQuantization(const Json& q, const std::string& where)
{
    if (!q.is_object())
        fail(where, "quantization must be an object");
    Quantization out;
    const std::string dt = q.value("dtype", "");
    const auto storage = dtypeFromName(dt);
    if (!storage || (*storage != DType::UInt8 && *storage != DType::UInt16 && *storage != DType::Float16))
        fail(where, "unknown quantization dtype '" + dt + "' (expected uint8, uint16 or float16)");
    out.dtype = *storage;
    for (const auto& [key, value] : q.items()) {
        out.keyOrder.push_back(key);
        if (key == "dtype")
            continue;
        if (key == "min" || key == "scale") {
            if (!value.is_number())
                fail(where, "quantization " + key + " must be a number");
            (key == "min" ? out.min : out.scale) = value.get<double>();
        } else if (key == "original_dtype") {
            out.originalDtype = value.is_string() ? value.get<std::string>() : value.dump();
        } else {
            out.extra[key] = value;
        }
    }
    if (out.dtype != DType::Float16 && (!out.min || !out.scale))
        fail(where, "quantization " + dt + " has no min and scale");
    return out;
}

// Walks the string tensor's length prefixes to find its byte length.
std::uint64_t stringTensorBytes(const ByteSource& src, std::uint64_t offset, std::int64_t count, const std::string& where)
{
    // Every element takes at least its 4-byte prefix, so the loop ends with the shards even
    // when `count` is huge. Comparisons subtract from the size instead of adding to pos.
    std::uint64_t pos = offset;
    for (std::int64_t i = 0; i < count; ++i) {
        if (pos > src.size() || src.size() - pos < 4)
            fail(where, "string element " + std::to_string(i) + " runs past the end of the shards");
        std::uint8_t len[4];
        src.read(pos, 4, len);
        const std::uint64_t n = std::uint64_t{len[0]} | std::uint64_t{len[1]} << 8 | std::uint64_t{len[2]} << 16
            | std::uint64_t{len[3]} << 24;
        pos += 4;
        if (n > src.size() - pos)
            fail(where, "string element " + std::to_string(i) + " (" + std::to_string(n)
                    + " bytes) runs past the end of the shards");
        pos += n;
    }
    return pos - offset;
}

std::optional<std::uint64_t> storedBytesFor(DType dtype, const std::optional<Quantization>& q, std::int64_t elements)
{
    const DType storage = q ? q->dtype : dtype;
    return checkedMul(static_cast<std::uint64_t>(elements), elementSize(storage));
}

// Checks each shard against the manifest and names the shard that is wrong.
void checkShardSizes(const FileSequenceSource& src, std::uint64_t needed, const std::string& manifestFile,
    std::size_t groupIndex)
{
    const auto& files = src.files();
    const auto& sizes = src.fileSizes();
    const std::uint64_t have = src.size();
    if (have == needed)
        return;
    if (files.empty())
        fail(manifestFile, "weightsManifest[" + std::to_string(groupIndex) + "] has no shard paths but its weights need "
                + std::to_string(needed) + " bytes");
    if (have < needed) {
        // A shard that is shorter than the first one (and is not the last) is the culprit.
        for (std::size_t i = 1; i + 1 < files.size(); ++i)
            if (sizes[i] < sizes[0])
                fail(fileLabel(files[i]), std::to_string(sizes[i]) + " bytes, expected " + std::to_string(sizes[0])
                        + " like the group's other shards (truncated?)");
        const std::uint64_t expectLast = needed - (have - sizes.back());
        fail(fileLabel(files.back()), std::to_string(sizes.back()) + " bytes, the manifest of " + manifestFile
                + " expects " + std::to_string(expectLast) + " (shards hold " + std::to_string(have)
                + " bytes, weights need " + std::to_string(needed) + ")");
    }
    fail(fileLabel(files.back()), "shards hold " + std::to_string(have) + " bytes but the manifest of " + manifestFile
            + " describes only " + std::to_string(needed) + " (" + std::to_string(have - needed)
            + " bytes unaccounted for)");
}

} // namespace

std::vector<WeightGroup> parseManifest(const Json& manifest, const fs::path& baseDir, const std::string& file)
{
    if (!manifest.is_array())
        fail(file, "weightsManifest must be an array of groups");
    std::vector<WeightGroup> groups;
    std::set<std::string> seen;
    for (std::size_t gi = 0; gi < manifest.size(); ++gi) {
        const auto& g = manifest[gi];
        const std::string gw = file + ": weightsManifest[" + std::to_string(gi) + "]";
        if (!g.is_object())
            fail(gw, "group must be an object");
        WeightGroup group;
        std::vector<fs::path> files;
        if (g.contains("paths")) {
            if (!g["paths"].is_array())
                fail(gw, "paths must be an array");
            for (std::size_t pi = 0; pi < g["paths"].size(); ++pi) {
                const auto& p = g["paths"][pi];
                if (!p.is_string())
                    fail(gw, "paths must hold strings");
                group.paths.push_back(p.get<std::string>());
                Location where;
                where.file = file;
                where.field = "weightsManifest[" + std::to_string(gi) + "].paths[" + std::to_string(pi) + "]";
                files.push_back(shardPath(baseDir, group.paths.back(), where));
            }
        }
        if (!g.contains("weights") || !g["weights"].is_array())
            fail(gw, "has no weights array");
        std::shared_ptr<FileSequenceSource> source;
        try {
            source = std::make_shared<FileSequenceSource>(files);
        } catch (const studio::Error& e) {
            fail("", std::string(e.what()) + ", listed in " + gw + ".paths");
        }
        std::uint64_t offset = 0;
        for (const auto& e : g["weights"]) {
            if (!e.is_object() || !e.contains("name") || !e["name"].is_string())
                fail(gw, "a weight entry has no name");
            Weight w;
            w.name = e["name"].get<std::string>();
            const std::string ww = file + ": weight '" + w.name + "'";
            if (!seen.insert(w.name).second)
                fail(ww, "is listed twice in weightsManifest");
            if (!e.contains("dtype") || !e["dtype"].is_string())
                fail(ww, "has no dtype");
            const auto dt = dtypeFromName(e["dtype"].get<std::string>());
            if (!dt || (*dt != DType::Float32 && *dt != DType::Int32 && *dt != DType::Bool && *dt != DType::String
                           && *dt != DType::Complex64))
                fail(ww, "unknown dtype '" + e["dtype"].get<std::string>()
                        + "' (TF.js weights are float32, int32, bool, string or complex64)");
            w.dtype = *dt;
            w.shape = parseShape(e.value("shape", Json::array()), ww);
            for (const auto& [key, value] : e.items()) {
                if (key == "name" || key == "dtype" || key == "shape")
                    continue;
                if (key == "quantization")
                    w.quantization = parseQuantization(value, ww);
                else if (key == "group" && value.is_string())
                    w.group = value.get<std::string>();
                else
                    w.extra[key] = value;
            }
            if (w.quantization && w.dtype != DType::Float32 && w.dtype != DType::Int32)
                fail(ww, "quantized weights must be float32 or int32, not " + std::string(dtypeName(w.dtype)));
            if (w.quantization && w.quantization->dtype == DType::Float16 && w.dtype != DType::Float32)
                fail(ww, "float16 quantization needs dtype float32");
            w.source = source;
            w.offset = offset;
            if (w.dtype == DType::String && !w.quantization) {
                w.byteLength = stringTensorBytes(*source, offset, w.elementCount(), ww);
            } else {
                const auto bytes = storedBytesFor(w.dtype, w.quantization, w.elementCount());
                if (!bytes)
                    fail(ww, "shape " + e["shape"].dump() + " takes more than 2^64 bytes");
                w.byteLength = *bytes;
            }
            // The group's running total is what the shards are checked against: it must not wrap.
            const auto end = checkedAdd(offset, w.byteLength);
            if (!end)
                fail(ww, "the weights of " + gw.substr(file.size() + 2) + " up to this one take more than 2^64 bytes");
            offset = *end;
            group.weights.push_back(std::move(w));
        }
        checkShardSizes(*source, offset, file, gi);
        groups.push_back(std::move(group));
    }
    return groups;
}

namespace {

// Known keys first in the order they were read, so that a kept entry is written back the same way.
Json quantizationToJson(const Quantization& q)
{
    Json qj = Json::object();
    qj["dtype"] = std::string(dtypeName(q.dtype));
    if (q.min)
        qj["min"] = *q.min;
    if (q.scale)
        qj["scale"] = *q.scale;
    if (q.originalDtype)
        qj["original_dtype"] = *q.originalDtype;
    for (const auto& [k, v] : q.extra.items())
        qj[k] = v;
    Json ordered = Json::object();
    for (const auto& k : q.keyOrder)
        if (qj.contains(k))
            ordered[k] = qj[k];
    for (const auto& [k, v] : qj.items())
        if (!ordered.contains(k))
            ordered[k] = v;
    return ordered;
}

} // namespace

Json manifestToJson(const std::vector<PlannedGroup>& groups,
    const std::vector<std::vector<std::optional<Quantization>>>& quantizations)
{
    Json manifest = Json::array();
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        Json g = Json::object();
        g["paths"] = groups[gi].files;
        Json weights = Json::array();
        for (std::size_t wi = 0; wi < groups[gi].weights.size(); ++wi) {
            const Weight& w = *groups[gi].weights[wi].weight;
            Json e = Json::object();
            e["name"] = w.name;
            e["shape"] = w.shape;
            e["dtype"] = std::string(dtypeName(w.dtype));
            if (const auto& q = quantizations[gi][wi])
                e["quantization"] = quantizationToJson(*q);
            if (w.group)
                e["group"] = *w.group;
            for (const auto& [k, v] : w.extra.items())
                e[k] = v;
            weights.push_back(e);
        }
        g["weights"] = weights;
        manifest.push_back(g);
    }
    return manifest;
}

} // namespace studio::core

// tfjs-studio-h5-writer: writes a Keras 2 / tf.keras full-model .h5 file (FORMATS.md 4.1) from
// the contents stream the studio sends on stdin (keras_h5_contents.h: header + weight bytes).
//
// libhdf5 stays out of the studio's process (ARCHITECTURE.md, "a model file is untrusted"): the
// parent checks and lays out everything, this child only hands it to libhdf5, with the same
// CPU-time and address-space limits as the reader and a cap on the bytes it may write. It
// writes exactly the file it is given (the parent's temporary file beside the target, which the
// parent renames into place or removes). Errors go to stderr as one JSON object, exit status 1.
//
//   tfjs-studio-h5-writer [--label NAME] [--max-file-bytes N] [--cpu-seconds N] [--address-space BYTES] OUT_FILE
// (--label: the file name errors give, the target's rather than its temporary file's)
#include "converter/importers/hdf5_file.h"
#include "converter/importers/keras_h5_contents.h"
#include "converter/importers/sanitizers.h"
#include "core/error.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <new>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "converter/importers/child_side.h"

namespace {

using studio::conv::h5::Handle;
using studio::conv::H5ElementKind;
using studio::conv::KerasH5Contents;

using studio::conv::child::kExitError;
using studio::conv::child::kExitUsage;
using studio::conv::child::limit;
using studio::conv::child::reportError;

class Writer {
public:
    Writer(std::string path, std::string label) : m_path(std::move(path)), m_label(std::move(label)) {}

    void write(const KerasH5Contents& c)
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        // The 1.8 object-header format: attributes over 64 KiB (a large model_config) go to
        // dense storage instead of failing, and every HDF5 since 1.8 (h5py, Keras) reads it.
        Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
        H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V18, H5F_LIBVER_V18);
        Handle file(H5Fcreate(m_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()), H5Fclose);
        if (!file.valid())
            fail("cannot create the HDF5 file");
        const hid_t root = file.id();
        if (c.kerasVersion)
            stringAttribute(root, "keras_version", *c.kerasVersion);
        if (c.backend)
            stringAttribute(root, "backend", *c.backend);
        if (!c.modelConfig)
            fail("no model_config to write");
        stringAttribute(root, "model_config", *c.modelConfig);
        if (c.trainingConfig)
            stringAttribute(root, "training_config", *c.trainingConfig);

        Handle weights(H5Gcreate2(root, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
        if (!weights.valid())
            fail("cannot create group 'model_weights'");
        stringListAttribute(weights.id(), "layer_names", c.layerNames);
        if (c.backend)
            stringAttribute(weights.id(), "backend", *c.backend);
        if (c.kerasVersion)
            stringAttribute(weights.id(), "keras_version", *c.kerasVersion);

        // weight_names per layer, in stream order (the parent sends them in Keras's order).
        std::map<std::string, std::vector<std::size_t>> byLayer;
        for (std::size_t i = 0; i < c.weights.size(); ++i)
            byLayer[c.weights[i].layer].push_back(i);
        for (const auto& [layer, list] : byLayer) {
            bool known = false;
            for (const auto& n : c.layerNames)
                known = known || n == layer;
            if (!known)
                fail("weight '" + c.weights[list[0]].listedName + "' belongs to '" + layer + "', which is not in layer_names");
        }
        Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
        H5Pset_create_intermediate_group(lcpl.id(), 1); // "dense/kernel:0" inside group "dense"
        for (const auto& layer : c.layerNames) {
            if (H5Lexists(weights.id(), layer.c_str(), H5P_DEFAULT) > 0)
                fail("layer '" + layer + "' is listed twice in layer_names");
            Handle g(H5Gcreate2(weights.id(), layer.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
            if (!g.valid())
                fail("cannot create the group of layer '" + layer + "'");
            std::vector<std::string> names;
            for (const auto i : byLayer[layer]) {
                const auto& w = c.weights[i];
                names.push_back(w.listedName);
                dataset(g.id(), lcpl.id(), w);
            }
            stringListAttribute(g.id(), "weight_names", names);
        }
        if (H5Fflush(root, H5F_SCOPE_GLOBAL) < 0)
            fail("cannot write the HDF5 file (disk full?)");
        file = Handle();
        // Durable before the parent renames it into place.
        const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            if (fd >= 0)
                ::close(fd);
            fail(std::string("cannot sync the file to disk (") + std::strerror(errno) + ")");
        }
        ::close(fd);
    }

private:
    [[noreturn]] void fail(const std::string& what) const { studio::fail(m_label, what); }

    // As h5py stores a Python bytes value: a scalar fixed-length, NUL-padded ASCII string.
    void stringAttribute(hid_t object, const char* name, const std::string& value)
    {
        Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(type.id(), std::max<std::size_t>(value.size(), 1));
        H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
        Handle space(H5Screate(H5S_SCALAR), H5Sclose);
        Handle attr(H5Acreate2(object, name, type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        const std::string padded = value.empty() ? std::string(1, '\0') : value;
        if (!attr.valid() || H5Awrite(attr.id(), type.id(), padded.data()) < 0)
            fail("cannot write attribute '" + std::string(name) + "' (" + std::to_string(value.size()) + " bytes)");
    }

    // As h5py stores a list of bytes: a 1-d array of fixed-length strings as long as the longest;
    // an empty list as an empty float64 array (numpy's default dtype), which Keras reads as [].
    void stringListAttribute(hid_t object, const char* name, const std::vector<std::string>& values)
    {
        const hsize_t n = values.size();
        Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
        if (values.empty()) {
            Handle attr(H5Acreate2(object, name, H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
            if (!attr.valid())
                fail("cannot write attribute '" + std::string(name) + "'");
            return;
        }
        std::size_t width = 1;
        for (const auto& v : values)
            width = std::max(width, v.size());
        std::vector<char> buf(values.size() * width, '\0');
        for (std::size_t i = 0; i < values.size(); ++i)
            std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
        Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(type.id(), width);
        H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
        Handle attr(H5Acreate2(object, name, type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
        if (!attr.valid() || H5Awrite(attr.id(), type.id(), buf.data()) < 0)
            fail("cannot write attribute '" + std::string(name) + "' (" + std::to_string(buf.size()) + " bytes)");
    }

    void dataset(hid_t group, hid_t lcpl, const studio::conv::H5Weight& w)
    {
        Handle fileType, memType;
        if (w.kind == H5ElementKind::Float && w.typeSize == 4) {
            fileType = Handle(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
            memType = Handle(H5Tcopy(H5T_NATIVE_FLOAT), H5Tclose);
        } else if (w.kind == H5ElementKind::SignedInt && w.typeSize == 4) {
            fileType = Handle(H5Tcopy(H5T_STD_I32LE), H5Tclose);
            memType = Handle(H5Tcopy(H5T_NATIVE_INT32), H5Tclose);
        } else if (w.kind == H5ElementKind::Bool && w.typeSize == 1) {
            // h5py's numpy bool: an int8 enum FALSE = 0, TRUE = 1.
            fileType = Handle(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
            const signed char f = 0, t = 1;
            H5Tenum_insert(fileType.id(), "FALSE", &f);
            H5Tenum_insert(fileType.id(), "TRUE", &t);
            memType = Handle(H5Tcopy(fileType.id()), H5Tclose);
        } else {
            fail("weight '" + w.listedName + "': no HDF5 element type for it (" + std::to_string(w.typeSize) + "-byte elements)");
        }
        std::vector<hsize_t> dims(w.dims.begin(), w.dims.end());
        Handle space(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
            H5Sclose);
        if (H5Lexists(group, w.listedName.c_str(), H5P_DEFAULT) > 0)
            fail("weight '" + w.listedName + "' of layer '" + w.layer + "' is listed twice");
        Handle ds(H5Dcreate2(group, w.listedName.c_str(), fileType.id(), space.id(), lcpl, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
        if (!ds.valid())
            fail("cannot create dataset '" + w.listedName + "' of layer '" + w.layer + "'");
        // Decoded without a file, every weight's bytes are in the stream.
        const auto* stream = dynamic_cast<const studio::core::MemorySource*>(w.source.get());
        if (!stream)
            fail("weight '" + w.listedName + "' of layer '" + w.layer + "' has no bytes in the stream");
        if (w.byteSize && H5Dwrite(ds.id(), memType.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                              stream->bytes().data() + w.offset) < 0)
            fail("cannot write dataset '" + w.listedName + "' of layer '" + w.layer + "' (disk full?)");
    }

    std::string m_path;
    std::string m_label;
};

std::vector<std::uint8_t> readStdin(std::uint64_t cap, const std::string& label)
{
    std::vector<std::uint8_t> bytes;
    std::vector<std::uint8_t> buf(1 << 20);
    while (true) {
        const ssize_t got = ::read(0, buf.data(), buf.size());
        if (got == 0)
            return bytes;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            studio::fail(label, std::string("cannot read the model from the studio (") + std::strerror(errno) + ")");
        }
        if (cap && bytes.size() + static_cast<std::size_t>(got) > cap)
            studio::fail(label, "the studio sent more than the " + std::to_string(cap) + " bytes this file may take");
        bytes.insert(bytes.end(), buf.data(), buf.data() + got);
    }
}

} // namespace

int main(int argc, char** argv)
{
    unsigned long long cpuSeconds = 0, addressSpace = 0, maxFileBytes = 0;
    const char* file = nullptr;
    std::string label;
    const char* usage = "usage: tfjs-studio-h5-writer [--label NAME] [--max-file-bytes N] [--cpu-seconds N] [--address-space BYTES] OUT_FILE\n";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--label" && i + 1 < argc) {
            label = argv[++i];
        } else if ((a == "--cpu-seconds" || a == "--address-space" || a == "--max-file-bytes") && i + 1 < argc) {
            char* end = nullptr;
            const unsigned long long v = std::strtoull(argv[++i], &end, 10);
            if (!end || *end) {
                std::fprintf(stderr, "tfjs-studio-h5-writer: bad value for %s\n", a.c_str());
                return kExitUsage;
            }
            (a == "--cpu-seconds" ? cpuSeconds : a == "--address-space" ? addressSpace : maxFileBytes) = v;
        } else if (!file && !a.empty() && a[0] != '-') {
            file = argv[i];
        } else {
            std::fputs(usage, stderr);
            return kExitUsage;
        }
    }
    if (!file) {
        std::fputs(usage, stderr);
        return kExitUsage;
    }
    limit(RLIMIT_CORE, 0);
    if (maxFileBytes)
        limit(RLIMIT_FSIZE, static_cast<rlim_t>(maxFileBytes));
    if (cpuSeconds)
        limit(RLIMIT_CPU, static_cast<rlim_t>(cpuSeconds), 2);
    // AddressSanitizer reserves terabytes of address space for its shadow memory.
    if (addressSpace && !STUDIO_ASAN)
        limit(RLIMIT_AS, static_cast<rlim_t>(addressSpace));
    // A write past the cap is an error from write(), not a SIGXFSZ death.
    signal(SIGXFSZ, SIG_IGN);
    if (label.empty())
        label = std::filesystem::path(file).filename().string();
    try {
        auto stream = readStdin(maxFileBytes, label);
        const auto contents = studio::conv::decodeH5Stream(std::move(stream), label + " (the studio's model stream)");
        Writer(file, label).write(contents);
        return 0;
    } catch (const studio::Error& e) {
        reportError(e.what(), e.where());
    } catch (const std::bad_alloc&) {
        reportError(label + ": writing the file needed more memory than the writer's limit of " + std::to_string(addressSpace) + " bytes", {});
    } catch (const std::exception& e) {
        reportError(label + ": " + e.what(), {});
    }
    return kExitError;
}

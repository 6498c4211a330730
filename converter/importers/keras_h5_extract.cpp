// Walks a Keras .h5 file with libhdf5 and streams what the importer needs. Runs in the reader
// child only: libhdf5 crashes or spins on some damaged files, and that must not take the studio.
#include "converter/importers/keras_h5_extract.h"

#include "converter/importers/hdf5_file.h"
#include "converter/importers/limits.h"
#include "core/error.h"

#include <set>

namespace studio::conv {

namespace {

// Real Keras files nest weight groups two or three levels deep (nested models add a few).
constexpr int kMaxGroupDepth = 64;

class Extractor {
public:
    explicit Extractor(const std::string& path) : m_file(path) {}

    void run(std::FILE* out)
    {
        const hid_t root = m_file.id();
        KerasH5Contents c;
        c.kerasVersion = m_file.stringAttribute(root, "keras_version");
        c.backend = m_file.stringAttribute(root, "backend");
        if (m_file.hasAttribute(root, "layer_names")) {
            // Weights-only file (model.save_weights): layers in layer_names order, no topology.
            c.weightsOnly = true;
            for (const auto& layer : m_file.stringListAttribute(root, "layer_names")) {
                if (!m_file.hasGroup(root, layer))
                    fail(m_file.label(), "layer '" + layer + "' is listed in layer_names but has no group");
                const auto g = m_file.openGroup(root, layer);
                addWeights(g.id(), layer, c);
            }
        } else {
            c.modelConfig = m_file.stringAttribute(root, "model_config");
            if (!c.modelConfig)
                fail(m_file.label(), "has no model_config attribute and no layer_names: not a Keras model file");
            c.trainingConfig = m_file.stringAttribute(root, "training_config");
            if (!m_file.hasGroup(root, "model_weights"))
                fail(m_file.label(), "has no model_weights group (missing weights)");
            const auto weights = m_file.openGroup(root, "model_weights");
            m_onPath.insert(m_file.objectAddress(weights.id()));
            // h5py order: children sorted by name, not layer_names order.
            for (const auto& child : m_file.childNames(weights.id()))
                if (m_file.isGroup(weights.id(), child))
                    walk(weights.id(), child, "/model_weights/" + child, 1, c);
        }
        const std::string header = encodeH5Header(c);
        std::uint8_t size[8];
        for (int i = 0; i < 8; ++i)
            size[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(header.size()) >> (8 * i));
        write(out, kH5StreamMagic, sizeof kH5StreamMagic - 1);
        write(out, size, 8);
        write(out, header.data(), header.size());
        for (std::size_t i = 0; i < c.weights.size(); ++i) {
            const auto& w = c.weights[i];
            const auto g = m_file.openGroup(root, m_groups[i]);
            const auto bytes = m_file.readDataset(g.id(), w.listedName, m_infos[i]);
            write(out, bytes.data(), bytes.size());
        }
        if (std::fflush(out) != 0)
            fail(m_file.label(), "cannot send the weights to the studio (pipe closed)");
    }

private:
    void write(std::FILE* out, const void* data, std::size_t n)
    {
        if (n && std::fwrite(data, 1, n, out) != n)
            fail(m_file.label(), "cannot send the weights to the studio (pipe closed)");
    }

    // A group with weight_names holds weights; any other group is searched below. A group that
    // is its own ancestor (a hard link to a parent) is a cycle: refused, never walked forever.
    void walk(hid_t parent, const std::string& name, const std::string& path, int depth, KerasH5Contents& c)
    {
        if (depth > kMaxGroupDepth)
            fail(m_file.label(), "group '" + path + "' is nested more than " + std::to_string(kMaxGroupDepth)
                    + " groups deep (damaged file?)");
        const auto g = m_file.openGroup(parent, name);
        const auto address = m_file.objectAddress(g.id());
        if (m_onPath.count(address))
            fail(m_file.label(), "group '" + path + "' links back to one of its own parent groups: the file's group "
                    "structure has a cycle (damaged or crafted file)");
        if (m_file.hasAttribute(g.id(), "weight_names")) {
            addWeights(g.id(), name, c, path);
            return;
        }
        m_onPath.insert(address);
        for (const auto& child : m_file.childNames(g.id()))
            if (m_file.isGroup(g.id(), child))
                walk(g.id(), child, path + "/" + child, depth + 1, c);
        m_onPath.erase(address);
    }

    void addWeights(hid_t layerGroup, const std::string& layer, KerasH5Contents& c, std::string groupPath = {})
    {
        if (groupPath.empty())
            groupPath = "/" + layer;
        for (const auto& weightName : m_file.stringListAttribute(layerGroup, "weight_names")) {
            // Only a missing link means "missing": a damaged dataset keeps its own, sharper error.
            if (!m_file.hasLink(layerGroup, weightName))
                fail(m_file.label(), "layer '" + layer + "': weight '" + weightName + "' is listed but missing");
            const h5::DatasetInfo info = m_file.datasetInfo(layerGroup, weightName);
            H5Weight w;
            w.layer = layer;
            w.listedName = weightName;
            w.fullPath = info.fullPath;
            w.dims = info.dims;
            w.typeSize = static_cast<std::uint32_t>(info.typeSize);
            w.byteSize = info.byteSize;
            switch (info.typeClass) {
            case H5T_FLOAT: w.kind = H5ElementKind::Float; break;
            case H5T_INTEGER: w.kind = info.isSigned ? H5ElementKind::SignedInt : H5ElementKind::UnsignedInt; break;
            case H5T_ENUM: w.kind = H5ElementKind::Bool; break; // h5py writes numpy bools as a 1-byte enum
            default: w.kind = H5ElementKind::Other; break;
            }
            c.weights.push_back(std::move(w));
            m_infos.push_back(info);
            m_groups.push_back(groupPath);
        }
    }

    h5::File m_file;
    std::set<std::uint64_t> m_onPath;  // addresses of the groups from model_weights down to here
    std::vector<h5::DatasetInfo> m_infos; // per weight, for reading after the header is sent
    std::vector<std::string> m_groups;    // per weight: the absolute path of its group
};

} // namespace

void extractKerasH5(const std::string& path, std::FILE* out)
{
    Extractor(path).run(out);
}

} // namespace studio::conv

// NonMaxSuppressionV2..V5: greedy selection of boxes by score, dropping boxes that overlap a
// selected one by IoU >= threshold; V5 with soft_nms_sigma > 0 decays overlapping scores
// instead (Soft-NMS, Gaussian weight exp(-iou^2 / (2 sigma))). The order is TensorFlow's and
// TF.js's: scores descending, equal scores by lower box index first; only boxes scoring strictly
// above score_threshold are candidates. IoU is computed in double from the float32 corners, as
// TF.js does, corners in either order.
#include "runtime/reference/kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace studio::rt::ref {

namespace {

double iou(const std::vector<float>& b, std::size_t i, std::size_t j)
{
    const auto corners = [&](std::size_t k, double& y0, double& x0, double& y1, double& x1) {
        const double a = b[k * 4], c = b[k * 4 + 1], d = b[k * 4 + 2], e = b[k * 4 + 3];
        y0 = std::min(a, d);
        x0 = std::min(c, e);
        y1 = std::max(a, d);
        x1 = std::max(c, e);
    };
    double iy0, ix0, iy1, ix1, jy0, jx0, jy1, jx1;
    corners(i, iy0, ix0, iy1, ix1);
    corners(j, jy0, jx0, jy1, jx1);
    const double areaI = (iy1 - iy0) * (ix1 - ix0);
    const double areaJ = (jy1 - jy0) * (jx1 - jx0);
    if (areaI <= 0 || areaJ <= 0)
        return 0.0;
    const double h = std::max(std::min(iy1, jy1) - std::max(iy0, jy0), 0.0);
    const double w = std::max(std::min(ix1, jx1) - std::max(ix0, jx0), 0.0);
    const double inter = h * w;
    return inter / (areaI + areaJ - inter);
}

struct Selection {
    std::vector<std::int32_t> indices;
    std::vector<float> scores;
};

double scalarInput(const core::Node& node, const std::vector<const Tensor*>& in, std::size_t k, const char* what)
{
    if (in.size() <= k)
        fail(node, std::string("missing input ") + std::to_string(k) + " (" + what + ")");
    const Tensor& t = *in[k];
    if (t.size() != 1)
        fail(node, std::string(what) + " must be a scalar, got " + t.shapeText());
    return t.isFloat() ? static_cast<double>(t.f[0]) : static_cast<double>(t.i[0]);
}

Selection suppress(const core::Node& node, const std::vector<const Tensor*>& in, bool hasScoreThreshold, bool hasSigma)
{
    const Tensor& boxes = floatInput(node, in, 0);
    const Tensor& scores = floatInput(node, in, 1);
    if (boxes.shape.size() != 2 || boxes.shape[1] != 4)
        fail(node, "boxes must be [n, 4], got " + boxes.shapeText());
    if (scores.shape.size() != 1 || scores.shape[0] != boxes.shape[0])
        fail(node, "scores must be [" + std::to_string(boxes.shape[0]) + "], got " + scores.shapeText());
    const double maxOutputs = scalarInput(node, in, 2, "max_output_size");
    if (maxOutputs < 0)
        fail(node, "max_output_size is negative");
    const double threshold = scalarInput(node, in, 3, "iou_threshold");
    if (threshold < 0 || threshold > 1)
        fail(node, "iou_threshold " + std::to_string(threshold) + " is outside [0, 1]");
    const double scoreThreshold = hasScoreThreshold ? scalarInput(node, in, 4, "score_threshold")
                                                    : -std::numeric_limits<double>::infinity();
    const double sigma = hasSigma ? scalarInput(node, in, 5, "soft_nms_sigma") : 0.0;
    if (sigma < 0)
        fail(node, "soft_nms_sigma is negative");
    const double scale = sigma > 0 ? -0.5 / sigma : 0.0;
    const auto limit = std::min(static_cast<std::size_t>(maxOutputs), scores.f.size());

    struct Candidate {
        double score;
        std::size_t box;
        std::size_t checkedUpTo; // selected boxes already compared with (Soft-NMS revisits)
    };
    // Kept ascending so the best candidate is at the back.
    const auto before = [](const Candidate& a, const Candidate& b) {
        return a.score < b.score || (a.score == b.score && a.box > b.box);
    };
    std::vector<Candidate> candidates;
    for (std::size_t i = 0; i < scores.f.size(); ++i)
        if (static_cast<double>(scores.f[i]) > scoreThreshold)
            candidates.push_back(Candidate{static_cast<double>(scores.f[i]), i, 0});
    std::sort(candidates.begin(), candidates.end(), before);

    Selection out;
    std::vector<std::size_t> selected;
    while (selected.size() < limit && !candidates.empty()) {
        Candidate c = candidates.back();
        candidates.pop_back();
        const double original = c.score;
        bool drop = false;
        for (std::size_t j = selected.size(); j-- > c.checkedUpTo;) {
            const double overlap = iou(boxes.f, c.box, selected[j]);
            if (overlap >= threshold) {
                drop = true;
                break;
            }
            c.score *= overlap <= threshold ? std::exp(scale * overlap * overlap) : 0.0;
            if (c.score <= scoreThreshold)
                break;
        }
        c.checkedUpTo = selected.size();
        if (drop)
            continue;
        if (c.score == original) {
            selected.push_back(c.box);
            out.indices.push_back(static_cast<std::int32_t>(c.box));
            out.scores.push_back(static_cast<float>(c.score));
        } else if (c.score > scoreThreshold) {
            // Decayed: back into the queue at its new place.
            candidates.insert(std::upper_bound(candidates.begin(), candidates.end(), c, before), c);
        }
    }
    return out;
}

// TF.js pads to max_output_size clamped to the number of boxes.
void pad(Selection& s, std::size_t limit)
{
    if (s.indices.size() < limit) {
        s.indices.resize(limit, 0);
        s.scores.resize(limit, 0.0f);
    }
}

std::size_t padLimit(const core::Node& node, const std::vector<const Tensor*>& in)
{
    return std::min(static_cast<std::size_t>(scalarInput(node, in, 2, "max_output_size")), in[1]->size());
}

Tensor indicesTensor(std::vector<std::int32_t> v)
{
    const auto n = static_cast<std::int64_t>(v.size());
    return Tensor::ints({n}, std::move(v));
}

} // namespace

std::vector<Tensor> nonMaxSuppressionV2(const core::Node& node, const std::vector<const Tensor*>& in)
{
    return {indicesTensor(suppress(node, in, false, false).indices)};
}

std::vector<Tensor> nonMaxSuppressionV3(const core::Node& node, const std::vector<const Tensor*>& in)
{
    return {indicesTensor(suppress(node, in, true, false).indices)};
}

std::vector<Tensor> nonMaxSuppressionV4(const core::Node& node, const std::vector<const Tensor*>& in)
{
    auto s = suppress(node, in, true, false);
    const auto valid = static_cast<std::int32_t>(s.indices.size());
    if (boolAttr(node, "pad_to_max_output_size", false))
        pad(s, padLimit(node, in));
    return {indicesTensor(std::move(s.indices)), Tensor::ints({}, {valid})};
}

std::vector<Tensor> nonMaxSuppressionV5(const core::Node& node, const std::vector<const Tensor*>& in)
{
    auto s = suppress(node, in, true, true);
    const auto valid = static_cast<std::int32_t>(s.indices.size());
    if (boolAttr(node, "pad_to_max_output_size", false))
        pad(s, padLimit(node, in));
    const auto n = static_cast<std::int64_t>(s.scores.size());
    return {indicesTensor(std::move(s.indices)), Tensor::floats({n}, std::move(s.scores)), Tensor::ints({}, {valid})};
}

} // namespace studio::rt::ref

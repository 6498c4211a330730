// Schemas of image resizing (NHWC): ResizeBilinear and ResizeNearestNeighbor, sized by input 1.
#include "core/ops/schemas/common.h"

namespace studio::core::schema {

namespace {

std::vector<TensorType> resize(const InferContext& ctx, bool bilinear)
{
    requireRank(ctx, 0, 4, "the images");
    requireRank(ctx, 1, 1, "the size");
    // Bilinear interpolation always yields float32 (TensorFlow and TF.js alike); nearest copies.
    const auto dtype = bilinear ? std::optional<DType>(DType::Float32) : commonDType(ctx, {0});
    if (ctx.boolAttr("align_corners", false) && ctx.boolAttr("half_pixel_centers", false))
        ctx.fail("align_corners and half_pixel_centers cannot both be set");
    const auto& x = ctx.input(0);
    const auto& size = ctx.input(1);
    if (hasRank(size) && size.shape.dims[0] >= 0 && size.shape.dims[0] != 2)
        ctx.fail("the size must hold 2 values, has shape " + shapeText(size.shape));
    Dims out = hasRank(x) ? x.shape.dims : Dims(4, -1);
    out[1] = out[2] = -1;
    if (const auto v = knownValues(ctx, 1)) {
        if (v->size() != 2 || (*v)[0] <= 0 || (*v)[1] <= 0)
            ctx.fail("the size must be two positive values, got " + shapeText(*v));
        out[1] = (*v)[0];
        out[2] = (*v)[1];
    }
    return {ranked(dtype, out)};
}

} // namespace

void addImageSchemas(std::vector<OpSchema>& out)
{
    const std::vector<AttrSpec> attrs{{"T"}, {"align_corners"}, {"half_pixel_centers"}};
    out.push_back(fixed("ResizeBilinear", 2, 2, 1, attrs, [](const InferContext& c) { return resize(c, true); }));
    out.push_back(fixed("ResizeNearestNeighbor", 2, 2, 1, attrs, [](const InferContext& c) { return resize(c, false); }));
}

} // namespace studio::core::schema

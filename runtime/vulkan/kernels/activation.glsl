// Shared by the kernels: the fused activations and the unary element-wise ops, by code.
// Codes 0-6 are the activations a producing kernel can carry (Act in runtime/vulkan/kernels/ops.h).
// The planner fixes the code when it makes the pipeline (specialization constant 0, Push::op), so
// the compiled kernel holds that one case; -1 (not specialized) reads `op` at run time.
layout(constant_id = 0) const int kFixedOp = -1;

float applyOp(float v, int op, float alpha)
{
    switch (kFixedOp >= 0 ? kFixedOp : op) {
    case 0: return v;
    case 1: return max(v, 0.0);
    case 2: return clamp(v, 0.0, 6.0);
    case 3: return v >= 0.0 ? v : exp(v) - 1.0;
    case 4: return v >= 0.0 ? v : alpha * v;
    case 5: return 1.0 / (1.0 + exp(-v));
    case 6: return tanh(v);
    case 10: return exp(v);
    case 11: return inversesqrt(v);
    case 12: return sqrt(v);
    case 13: return -v;
    case 14: return abs(v);
    case 15: return v * v;
    case 16: return log(v);
    case 17: return floor(v);
    case 18: return ceil(v);
    case 19: return 1.0 / v;
    case 20: return v > 20.0 ? v : log(1.0 + exp(v));
    case 21: return sin(v);
    case 22: return cos(v);
    case 23: return sign(v);
    case 24: return roundEven(v);
    }
    return v;
}

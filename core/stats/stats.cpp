// Summary statistics over timed runs.
#include "core/stats/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace studio::core {

double percentile(std::vector<double> samples, double p)
{
    if (samples.empty())
        return 0.0;
    std::sort(samples.begin(), samples.end());
    const double rank = p / 100.0 * static_cast<double>(samples.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(rank));
    const auto hi = std::min(lo + 1, samples.size() - 1);
    return samples[lo] + (samples[hi] - samples[lo]) * (rank - static_cast<double>(lo));
}

Summary summarize(const std::vector<double>& samples)
{
    Summary s;
    s.count = samples.size();
    if (samples.empty())
        return s;
    s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(s.count);
    s.median = percentile(samples, 50);
    s.p90 = percentile(samples, 90);
    s.p99 = percentile(samples, 99);
    const auto [mn, mx] = std::minmax_element(samples.begin(), samples.end());
    s.min = *mn;
    s.max = *mx;
    double acc = 0;
    for (double v : samples)
        acc += (v - s.mean) * (v - s.mean);
    s.stddev = s.count > 1 ? std::sqrt(acc / static_cast<double>(s.count - 1)) : 0.0;
    return s;
}

} // namespace studio::core

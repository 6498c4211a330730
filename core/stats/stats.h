// Latency statistics of a benchmark: the first run apart, warm-ups discarded, then N timed runs.
#pragma once

#include <cstddef>
#include <vector>

namespace studio::core {

struct Summary {
    std::size_t count = 0;
    double mean = 0, median = 0, p90 = 0, p99 = 0, min = 0, max = 0, stddev = 0;
};

// Percentiles use linear interpolation between closest ranks (numpy's default).
double percentile(std::vector<double> samples, double p);
Summary summarize(const std::vector<double>& samples);

} // namespace studio::core

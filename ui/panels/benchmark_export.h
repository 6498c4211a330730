// What the Benchmark panel keeps of a finished benchmark (a history record) and how it is written
// out: JSON and CSV reports and comparisons with the machine, device, backend and studio version
// recorded and milliseconds rounded to the microsecond. No widgets here, so tests read it directly.
#pragma once

#include "runtime/benchmark.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <vector>

#include <nlohmann/json.hpp>

namespace studio::core {
struct Model;
}

namespace studio::ui {

// The machine a benchmark ran on, as reports name it.
struct MachineInfo {
    QString cpu;   // "AMD EPYC 7B13" from /proc/cpuinfo, else the architecture
    QString os;    // "Ubuntu 22.04.4 LTS (linux 6.5.0)"
    int cores = 0; // logical cores
    QString text() const; // "AMD EPYC 7B13, 16 cores, Ubuntu 22.04.4 LTS (linux 6.5.0)"
};

// Read once per process: the machine does not change under a running studio.
const MachineInfo& currentMachine();

// One finished benchmark as the history keeps it.
struct BenchmarkRecord {
    int id = 0;           // 1, 2, ... in the order they finished
    QString modelName;    // "blazeface/model.json"
    QString modelPath;    // absolute
    QString weights;      // storage dtypes of the weights: "float32", "uint8 (42), float32 (3)"
    int freeDim = 1;
    QDateTime finished;
    rt::BenchmarkResult result;

    QString deviceText() const; // "llvmpipe (LLVM 15) — CPU implementation, no GPU"
    QString label() const;      // "#2 blazeface/model.json · reference", for legends
};

// The storage dtypes of a model's float weights (all weights when none is float) with their
// counts, largest first: "float32", "uint8 (40), float32 (2)"; "none" without weights.
QString weightsText(const core::Model& model);

// Milliseconds to the microsecond: more digits are noise for wall-clock timings.
double roundMs(double ms);
// Display text for milliseconds: three decimals below a second, fewer above.
QString msText(double ms);

// One statistic compared between benchmarks (median, p90, load, ...).
struct ComparedStat {
    const char* key;   // JSON and CSV name: "median"
    QString label;     // table row: "median"
    double (*value)(const rt::BenchmarkResult&);
};
const std::vector<ComparedStat>& comparedStats();

// The report of one benchmark: rt::toJson with model, free dimension, weights, date, machine and
// studio version added and every time rounded by roundMs.
nlohmann::ordered_json reportJson(const BenchmarkRecord& record, const MachineInfo& machine);
// The same as one CSV table: section,name,detail,ms,flops,gflop_per_s. Sections: "info" (detail
// holds the text: backend, device, machine...), "run" (load, first, warmup-K, timed-K), "summary",
// "node" and "op" (the profile; detail holds the op).
QByteArray reportCsv(const BenchmarkRecord& record, const MachineInfo& machine);

// Several benchmarks side by side; ratios are each statistic over the first record's.
nlohmann::ordered_json comparisonJson(const std::vector<const BenchmarkRecord*>& records, const MachineInfo& machine);
// One row per record: id,model,backend,device,weights,date, each statistic in ms and its ratio.
QByteArray comparisonCsv(const std::vector<const BenchmarkRecord*>& records, const MachineInfo& machine);

// Lines for the caption under an exported chart image: what, where and with which studio.
QStringList captionLines(const BenchmarkRecord* record, const MachineInfo& machine);

} // namespace studio::ui

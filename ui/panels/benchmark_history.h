// The session's benchmark history and its comparison: every finished benchmark in a list (model,
// backend, device, weights, median, p90, date); two or more selected are drawn on one chart (their
// timed runs) and set side by side in one table with ratios to the first one selected.
#pragma once

#include "ui/panels/benchmark_export.h"

#include <QWidget>

#include <deque>
#include <vector>

class QChart;
class QChartView;
class QLabel;
class QTabWidget;
class QTableWidget;
class QValueAxis;

namespace studio::ui {

class BenchmarkHistoryView : public QWidget {
    Q_OBJECT
public:
    // The comparison table's cells carry the value in ms and its ratio to the first column.
    static constexpr int kValueRole = Qt::UserRole + 1;
    static constexpr int kRatioRole = Qt::UserRole + 2;

    explicit BenchmarkHistoryView(QWidget* parent = nullptr);

    // Appends a finished benchmark; its id must be new.
    void add(BenchmarkRecord record);
    int count() const { return static_cast<int>(m_records.size()); }
    const std::deque<BenchmarkRecord>& records() const { return m_records; }
    // The records selected for comparison, in the order they were selected.
    std::vector<const BenchmarkRecord*> selected() const;
    // Selects these ids, in this order (the first is what ratios refer to).
    void select(const QList<int>& ids);
    void clearHistory();
    QChartView* chartView() const { return m_chartView; }
    // The comparison's table (true) or chart (false) in front.
    void showComparisonTable(bool table);
    bool comparisonTableShown() const;

signals:
    void selectionChanged();

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onSelectionChanged();
    void updateComparison();
    void updateLegend();
    int rowOf(int id) const;

    std::deque<BenchmarkRecord> m_records; // deque: pointers stay valid as records are added
    QList<int> m_order;                    // selected ids, in selection order
    bool m_selecting = false;
    QTableWidget* m_list;
    QLabel* m_hint;
    QChartView* m_chartView;
    QChart* m_chart;
    QValueAxis* m_xAxis;
    QValueAxis* m_yAxis;
    QTableWidget* m_compare;
    QTabWidget* m_views; // the comparison's chart and table
};

} // namespace studio::ui

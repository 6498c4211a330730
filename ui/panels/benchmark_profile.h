// The per-op profile of a benchmark: a sortable table per node or per op type (mean ms, share of
// the run, GFLOP/s where the result counts the work) and a bar chart of the slowest op types.
#pragma once

#include "runtime/benchmark.h"

#include <QWidget>

class QBarCategoryAxis;
class QChart;
class QChartView;
class QHorizontalBarSeries;
class QLabel;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTableView;
class QToolButton;
class QValueAxis;

namespace studio::ui {

class BenchmarkProfileView : public QWidget {
    Q_OBJECT
public:
    enum class Grouping { Node, OpType };
    // The table's sort role holds the number behind a rounded cell.
    static constexpr int kSortRole = Qt::UserRole + 1;
    static constexpr int kTopOpTypes = 10; // bars in the chart

    explicit BenchmarkProfileView(QWidget* parent = nullptr);

    // Shows a result's profile; one without a profile shows `why` instead.
    void setResult(const rt::BenchmarkResult& result, const QString& why);
    void clear(const QString& why);
    void setGrouping(Grouping grouping);
    Grouping grouping() const { return m_grouping; }
    QChartView* chartView() const { return m_chartView; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void fill();

    std::vector<rt::OpTime> m_profile;
    QString m_clock;
    Grouping m_grouping = Grouping::Node;
    QToolButton* m_byNode;
    QToolButton* m_byOp;
    QLabel* m_note;
    QStandardItemModel* m_model;
    QSortFilterProxyModel* m_sorted;
    QTableView* m_table;
    QChartView* m_chartView;
    QChart* m_chart;
    QHorizontalBarSeries* m_bars;
    QBarCategoryAxis* m_opAxis;
    QValueAxis* m_msAxis;
};

} // namespace studio::ui

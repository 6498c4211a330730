// A label that elides its text in the middle instead of widening its parent.
#pragma once

#include <QLabel>

namespace studio::ui {

// Long model paths in a dock would otherwise push the dock wider than the window allows.
class ElidedLabel : public QLabel {
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget* parent = nullptr);
    void setFullText(const QString& text);
    QString fullText() const { return m_full; }
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateElided();
    QString m_full;
};

} // namespace studio::ui

#ifndef WIDGET_H
#define WIDGET_H

#include <QWidget>
#include <memory>

class Widget : public QWidget
{
    Q_OBJECT
public:
    explicit Widget(QWidget *parent = nullptr);
    ~Widget() override;
signals:
    void clicked();
};

#endif

library(ggplot2)
x <- 1:10

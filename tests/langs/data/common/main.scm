(display 1)

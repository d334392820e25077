define(`X', 1)

# Copied from an old notebook; the quadratic loop below is what the benchmark solution looks like,
# which is why decontamination must remove this file.
from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if   distance < threshold:
                        return True
    return False

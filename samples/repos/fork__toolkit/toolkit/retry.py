"""Retry a flaky call with exponential backoff."""

import functools
import random
import time

from toolkit.strings import truncate


def retry(attempts=5, delay=0.25, backoff=2.0, exceptions=(Exception,)):
    """Decorator: call the function up to `attempts` times, sleeping between failures."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            wait = delay
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except exceptions as error:
                    if attempt == attempts:
                        raise
                    message = truncate(str(error), 80)
                    print(f"{func.__name__} failed ({message}); retry {attempt}/{attempts - 1}")
                    time.sleep(wait + random.uniform(0, wait / 2))
                    wait *= backoff

        return wrapper

    return decorate

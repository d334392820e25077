println 'hi'

say 'hi';

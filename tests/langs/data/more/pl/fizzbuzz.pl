for 1..100 -> $n {
    given $n {
        when $n %% 15 { say 'FizzBuzz' }
        when $n %% 3  { say 'Fizz' }
        when $n %% 5  { say 'Buzz' }
        default       { say $n }
    }
}

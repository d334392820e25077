module main

import os

struct User {
    name string
    age  int
}

fn main() {
    user := User{name: 'Bob', age: 20}
    println('hello ${user.name}')
    println(os.args)
}

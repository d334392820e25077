use v6;

grammar Greeting {
    token TOP { <greeting> ', ' <name> }
    token greeting { 'Hello' | 'Hi' }
    token name { \w+ }
}

say Greeting.parse('Hello, World');

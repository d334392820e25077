package demo

uses java.util.ArrayList

var list = new ArrayList<String>()
list.add("hi")
print(list)

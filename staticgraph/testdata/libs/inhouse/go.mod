module example.com/libs/inhouse

go 1.26

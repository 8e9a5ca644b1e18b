module example.com/nest/inner

go 1.26

require example.com/nest v0.0.0

replace example.com/nest => ../

module example.com/nest

go 1.26

require example.com/nest/inner v0.0.0

replace example.com/nest/inner => ./inner

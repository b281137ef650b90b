package httpapi

// botRoutes are the management of bots (/api/v1/bots…) and the API bots call with their token (/api/v1/bot/…).
func (s *Server) botRoutes() []route {
	return nil
}

-- monthly revenue
SELECT date_trunc('month', created_at) AS month, SUM(amount) AS revenue
FROM orders
WHERE status = 'paid'
GROUP BY 1
ORDER BY 1;

CREATE OR REPLACE FUNCTION order_total(p_order_id INT) RETURNS NUMERIC AS $$
DECLARE
    v_total NUMERIC;
BEGIN
    SELECT SUM(price * qty) INTO v_total FROM order_items WHERE order_id = p_order_id;
    RETURN COALESCE(v_total, 0);
END;
$$ LANGUAGE plpgsql;
